//! Finding jobs for an operator: the failed ones through the table's sparse `failures` index
//! (only failed items carry its key, `failed_on`, the UTC day of the failure, so the index holds
//! nothing else and a query reads only failures), any other status by a filtered scan. Beside
//! `store`, whose table it reads.

use std::time::{Duration, SystemTime};

use crate::error::StoreError;
use crate::item::{self, Item, attr, n, s};
use crate::job::{JobRecord, JobStatus, epoch_ms, utc_day};
use crate::store::JobStore;

/// The sparse global secondary index on failures: partition key [`attr::FAILED_ON`], sort key
/// [`attr::UPDATED_AT`]. The template and the test tables define it.
pub const FAILURES_INDEX: &str = "failures";

const DAY: Duration = Duration::from_secs(86_400);

impl JobStore {
    /// Jobs with `status` last updated at or after `since`, newest first. Failed jobs come from
    /// the failures index (one query per day in the window); other statuses from a scan of the
    /// table, fine for an operator's question, not for a request path.
    pub async fn list(
        &self,
        status: JobStatus,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let items = if status == JobStatus::Failed {
            self.failures_since(since, now).await?
        } else {
            self.scan_status(status, since).await?
        };
        let mut records = items
            .iter()
            .map(item::from_item)
            .collect::<Result<Vec<_>, _>>()?;
        records.retain(|r| !r.is_expired(now));
        records.sort_by_key(|r| std::cmp::Reverse(r.updated_at_ms));
        Ok(records)
    }

    async fn failures_since(
        &self,
        since: SystemTime,
        now: SystemTime,
    ) -> Result<Vec<Item>, StoreError> {
        let mut days = vec![];
        let mut day = since;
        while day <= now + DAY {
            let name = utc_day(day);
            if days.last() != Some(&name) && name <= utc_day(now) {
                days.push(name);
            }
            day += DAY;
        }
        let mut items = vec![];
        for day in days {
            let day = &day;
            items.extend(
                all_pages(|start| async move {
                    let page = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .index_name(FAILURES_INDEX)
                        .key_condition_expression("#day = :day AND #updated >= :since")
                        .expression_attribute_names("#day", attr::FAILED_ON)
                        .expression_attribute_names("#updated", attr::UPDATED_AT)
                        .expression_attribute_values(":day", s(day))
                        .expression_attribute_values(":since", n(epoch_ms(since)))
                        .set_exclusive_start_key(start)
                        .send()
                        .await
                        .map_err(|e| StoreError::from_sdk("list failures", &e))?;
                    Ok((page.items, page.last_evaluated_key))
                })
                .await?,
            );
        }
        Ok(items)
    }

    async fn scan_status(
        &self,
        status: JobStatus,
        since: SystemTime,
    ) -> Result<Vec<Item>, StoreError> {
        all_pages(|start| async move {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#status = :status AND #updated >= :since")
                .expression_attribute_names("#status", attr::STATUS)
                .expression_attribute_names("#updated", attr::UPDATED_AT)
                .expression_attribute_values(":status", s(status.as_str()))
                .expression_attribute_values(":since", n(epoch_ms(since)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("list by status", &e))?;
            Ok((page.items, page.last_evaluated_key))
        })
        .await
    }
}

/// Every page of a query or scan: `page` reads the one after `start` (none for the first) and
/// returns its items and the key to continue from.
async fn all_pages<F, Fut>(mut page: F) -> Result<Vec<Item>, StoreError>
where
    F: FnMut(Option<Item>) -> Fut,
    Fut: Future<Output = Result<(Option<Vec<Item>>, Option<Item>), StoreError>>,
{
    let mut items = vec![];
    let mut start = None;
    loop {
        let (page, next) = page(start.take()).await?;
        items.extend(page.unwrap_or_default());
        match next {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}
