-- One row per month and scope (supplier pathway, error code, sending or requesting practice, Sub ICB Location),
-- ranked by the paper fallbacks it would avoid at its peers' best-quartile rate.
select
  metric_month,
  cutoff_days,
  is_final,
  opportunity_rank,
  scope_kind,
  scope_id,
  scope_name,
  transfers,
  paper_fallbacks,
  paper_fallback_percent,
  peer_count,
  peer_best_quartile_percent,
  avoidable_paper_fallbacks,
  staff_hours_avoided,
  cost_avoided_gbp,
  who_can_act,
  page_path
from gp2gp_marts.improvement_opportunities
