-- Schema version 9: two comparison rules become indicator attributes.
--
-- confidence_level: the level (95 or 99.8) at which an area's interval is compared
-- with its benchmark. Fingertips sets it per indicator; most use 95%.
-- no_band_groups: client groups whose figures get no quartile band, as LAIT's data
-- dictionary flags some measures No_Quartile (small or volatile populations).

ALTER TABLE indicator ADD COLUMN IF NOT EXISTS confidence_level DOUBLE DEFAULT 95;
ALTER TABLE indicator ADD COLUMN IF NOT EXISTS no_band_groups VARCHAR[] DEFAULT [];
UPDATE indicator SET confidence_level = 95 WHERE confidence_level IS NULL;
UPDATE indicator SET no_band_groups = [] WHERE no_band_groups IS NULL;
