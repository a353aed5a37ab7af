-- One row: when this extract was taken, and the latest Spine message loaded into the warehouse (the data watermark).
select
  max(data_watermark_at) as data_watermark_at,
  current_timestamp as extracted_at
from gp2gp_marts.transfers_live
