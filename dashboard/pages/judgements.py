"""Judgements: inspectors record JAR grades with evidence; boards and directors read them beside the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard.components import demo_banner, download_csv, ofsted_summary
from dashboard.selection import selection_bar
from dashboard.signin import signin_panel
from dashboard.state import get_store
from metrics.auth import PermissionDenied
from metrics.display import plain
from metrics.judgements import (
    GRADES,
    ReviewLocked,
    aspects,
    create_review,
    current_judgements,
    grade_counts,
    grade_label,
    judgement_history,
    judgements_with_data,
    list_reviews,
    record_judgement,
    review_beside_data,
    submission_summary,
    submit_review,
)
from metrics.lookups import latest_year
from metrics.ofsted import latest_overall
from metrics.results import BENCHMARKS
from metrics.shared import writes_enabled

store = get_store()
st.title("Joint area review judgements")
demo_banner(store)
sel = selection_bar()
area_name = cache.areas().set_index("area_code").loc[sel.area_code, "name"]
names = aspects(store)
FORM_COUNTER, FLASH = "judge-form-n", "judge-flash"  # session state of the record tab
SUMMARY_COLUMNS = {"aspect_name": "Aspect", "grade_name": "Grade", "indicators": "Indicators relied on",
                   "recorded_by": "Recorded by", "version": "Version"}

tab_area, tab_record, tab_compare = st.tabs(
    ["This area's judgements", "Record judgements (inspectors)", "Compare areas"]
)

with tab_area:
    # Ofsted's current inspections beside the JAR: on Ofsted's own scale, never merged into JAR grades.
    ofsted_summary(cache.inspections(sel.area_code))
    reviews = list_reviews(store, sel.area_code)
    rid: str | None = None
    current = None
    if reviews.empty:
        st.write(f"No joint area review has been recorded for {area_name} yet. The table shows the "
                 "data each aspect would be graded beside.")
    else:
        labels = {r.review_id: f"{r.title} ({r.status})" for r in reviews.itertuples()}
        rid = st.selectbox("Review", list(labels), format_func=labels.__getitem__, key="view-review")
        current = current_judgements(store, rid)
    res = cache.area_results(sel)
    bench_name = res["benchmark_name"].iloc[0] if len(res) else "England"
    groups = cache.client_groups()
    group_name = dict(zip(groups["client_group_id"], groups["name"], strict=True)).get(sel.client_group, "")
    st.caption(f"Grades beside the data: counts of {plain(area_name)}'s indicators against "
               f"{plain(bench_name)} (95% CI vs benchmark value), period ending {sel.period_text}, "
               f"{plain(group_name).lower()}.")
    table = review_beside_data(store, res, current)
    st.dataframe(table, hide_index=True, key="judgements-table")
    download_csv(table, f"{rid or sel.area_code}_judgements.csv")
    if rid is not None and current is not None:
        for j in current.itertuples():
            with st.expander(f"Evidence: {plain(j.aspect_name)} – {GRADES[int(j.grade)]}"):
                # Evidence is the inspector's own text: shown as plain text, never HTML or Markdown.
                st.text(j.evidence or "(no notes)")
                if j.indicator_ids is not None and len(j.indicator_ids):
                    st.markdown("Indicators relied on:")
                    for iid in j.indicator_ids:
                        st.page_link("dashboard/pages/trends.py", label=f"{iid}: see its trend",
                                     query_params={**st.query_params.to_dict(), "indicator": iid})
                st.caption(f"Recorded by {plain(j.recorded_by)} on {j.recorded_at:%d %B %Y %H:%M}, "
                           f"version {j.version}")
        with st.expander("Full history of changes"):
            hist = judgement_history(store, rid)
            st.dataframe(hist.drop(columns=["indicator_ids"]), hide_index=True, key="history")

with tab_record:
    user = signin_panel(store, "record judgements (inspector role)")
    if user is not None and not user.can("record_judgement"):
        st.warning(f"Your role ({user.role}) can read judgements; recording them needs the inspector role.")
    elif user is not None and not writes_enabled(store):
        st.warning("This server opened the store read-only: start it with `ECM_WRITABLE=1` to record judgements.")
    elif user is not None:
        drafts = list_reviews(store, sel.area_code)
        drafts = drafts[drafts["status"] == "draft"]
        review_year = sel.period_year or latest_year(store)  # a review is of one period
        if st.button(f"Start a new review of {area_name} for {review_year}", key="new-review"):
            try:
                create_review(store, user, sel.area_code, int(review_year))
            except (PermissionDenied, ValueError) as exc:
                st.error(plain(exc))
            st.rerun()
        if drafts.empty:
            if flash := st.session_state.pop(FLASH, None):  # e.g. the review just submitted
                st.success(flash)  # built from reference names and the review id, not user text
            st.write("No draft review of this area: start one above.")
        else:
            rid = st.selectbox("Draft review", drafts["review_id"].tolist(), key="draft-review")
            catalogue = cache.catalogue_frame()
            ind_names = dict(zip(catalogue["indicator_id"], catalogue["short_title"], strict=True))
            # Outside the form, so choosing an aspect redraws the form with that aspect's own
            # saved judgement. Every field's key names the review, the aspect and a counter
            # bumped after each save: nothing typed for one aspect can be saved with another.
            aspect = st.selectbox("Aspect", list(names), format_func=names.__getitem__, key="judge-aspect")
            n = st.session_state.setdefault(FORM_COUNTER, 0)
            have = current_judgements(store, rid).set_index("aspect")
            saved = have.loc[aspect] if aspect in have.index else None
            if saved is None:
                st.caption(f"{plain(names[aspect])} has no judgement in this review yet.")
            else:
                st.caption(f"{plain(names[aspect])} is graded {GRADES[int(saved['grade'])]} (version {saved['version']},"
                           f" recorded by {plain(saved['recorded_by'])}): saving records a new version.")
            wkey = f"{rid}-{aspect}-{n}"
            with st.form("judgement"):
                grades = list(GRADES)
                grade = st.radio("Grade", grades, format_func=grade_label, horizontal=True,
                                 index=None if saved is None else grades.index(int(saved["grade"])),
                                 key=f"judge-grade-{wkey}")
                evidence = st.text_area("Evidence notes", max_chars=20_000, key=f"judge-evidence-{wkey}",
                                        value="" if saved is None else (saved["evidence"] or ""))
                chosen = [] if saved is None or saved["indicator_ids"] is None else list(saved["indicator_ids"])
                # select_all=False: Enter picks the first match only, never every match of what was typed.
                relied = st.multiselect("Indicators relied on", list(ind_names),
                                        default=[i for i in chosen if i in ind_names],
                                        format_func=lambda i: f"{ind_names[i]} ({i})",
                                        select_all=False, filter_mode="contains",
                                        placeholder="Type an indicator's code or words, then choose it",
                                        key=f"judge-indicators-{wkey}")
                if st.form_submit_button("Save judgement"):
                    try:
                        v = record_judgement(store, user, rid, aspect, grade, evidence, relied)
                    except (PermissionDenied, ReviewLocked, ValueError) as exc:
                        st.error(plain(exc))
                    else:
                        st.session_state[FLASH] = f"Saved {names[aspect]}: {GRADES[int(grade)]} (version {v})."
                        st.session_state[FORM_COUNTER] = n + 1
                        st.session_state.pop(f"confirm-submit-{rid}", None)  # what was checked has changed
                        st.rerun()
            if flash := st.session_state.pop(FLASH, None):
                st.success(flash)  # built from reference names and the review id, not user text
            st.write("Graded so far: " + (", ".join(
                f"{names[a]} {GRADES[int(g)]}" for a, g in have["grade"].items()) or "none"))
            confirming = f"confirm-submit-{rid}"
            if not st.session_state.get(confirming):
                if st.button("Submit and lock this review…", key="submit-review"):
                    st.session_state[confirming] = True
                    st.rerun()
            else:
                with st.container(border=True, key="submit-confirm"):
                    st.subheader("Check before you submit")
                    summary = submission_summary(store, rid)
                    st.markdown(f"Submitting locks review {plain(rid)} exactly as listed: "
                                "once submitted, no judgement in it can be changed.")
                    listed = summary.rename(columns=SUMMARY_COLUMNS)[list(SUMMARY_COLUMNS.values())]
                    listed["Recorded by"] = listed["Recorded by"].fillna("–")
                    listed["Version"] = [("–" if pd.isna(v) else str(v)) for v in listed["Version"]]
                    st.table(listed, hide_index=True)
                    ungraded = summary.loc[summary["grade"].isna(), "aspect_name"].tolist()
                    if ungraded:
                        st.warning("Not graded: " + ", ".join(plain(a) for a in ungraded)
                                   + ". Every aspect needs a grade before the review can be submitted.")
                    versions = {r.aspect: int(r.version) for r in summary.dropna(subset=["version"]).itertuples()}
                    # The tick belongs to the list it was given for: if any judgement changes, it clears.
                    shown = "-".join(f"{a}{v}" for a, v in versions.items())
                    checked = st.checkbox("I have checked these judgements", key=f"confirm-checked-{rid}-{shown}",
                                          disabled=bool(ungraded))
                    buttons = st.container(horizontal=True)
                    confirm = buttons.button("Confirm: submit and lock", key="confirm-submit", type="primary",
                                          disabled=bool(ungraded) or not checked)
                    if buttons.button("Cancel", key="cancel-submit"):
                        st.session_state.pop(confirming, None)
                        st.rerun()
                    if confirm and not checked:
                        st.warning("The judgements changed while you were checking them: check them again.")
                    elif confirm:
                        try:
                            submit_review(store, user, rid, expect=versions)
                        except (PermissionDenied, ReviewLocked, ValueError) as exc:
                            st.error(plain(exc))
                        else:
                            st.session_state.pop(confirming, None)
                            st.session_state[FLASH] = f"Submitted: review {rid} is now locked."
                            st.rerun()

with tab_compare:
    counts = grade_counts(store)
    st.markdown("How many areas received each grade in their latest **submitted** review.")
    st.dataframe(counts, hide_index=True, key="grade-counts")
    download_csv(counts, "jar_grade_counts.csv")
    aspect = st.selectbox("Areas' grades for", list(names), format_func=names.__getitem__, key="compare-aspect")
    beside = judgements_with_data(store, aspect, benchmark=sel.benchmark)
    if beside.empty:
        st.write(f"No submitted review has graded {names[aspect].lower()} yet.")
    else:
        shown = beside.drop(columns=["aspect", "grade"]).rename(columns={
            "area_code": "Code", "area_name": "Area", "review_id": "Review", "period_year": "Period",
            "grade_name": "Grade", "better": "Better", "similar": "Similar", "worse": "Worse",
            "improving": "Getting better", "worsening": "Getting worse"})
        ofsted = latest_overall(store).rename(columns={
            "area_code": "Code", "ofsted_overall": "Ofsted overall (latest ILACS)", "ofsted_inspected": "Ofsted inspected"})
        shown = shown.merge(ofsted, on="Code", how="left")
        if "worse" in beside.columns:
            st.caption(f"Beside each grade: the outcome's indicators against {BENCHMARKS[sel.benchmark]} "
                       "(95% CI vs benchmark value) for the review's period.")
        st.dataframe(shown, hide_index=True, key="grades-beside-data")
        download_csv(shown, f"jar_{aspect}_grades_with_data.csv")
