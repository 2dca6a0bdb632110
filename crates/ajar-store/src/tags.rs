//! Tags as listings see them: how many works carry each tag, and the works that carry one.

use crate::access::Audience;
use crate::db::Sql;
use crate::works::{blurbs, BlurbRow, BLURB_COLUMNS};
use crate::{name_key, to_i64, to_u64, Result, Store, StoreError, TagCount, WorkBlurb};
use ajar_core::{TagId, TagKind, TagName};

#[derive(sqlx::FromRow)]
struct TagCountRow {
    id: i64,
    name: String,
    works: i64,
}

impl Store {
    /// Every tag of `kind` that at least one work carries, with the number of such works,
    /// sorted by name (case-insensitively).
    pub async fn tag_work_counts(
        &self,
        audience: Audience,
        kind: TagKind,
    ) -> Result<Vec<TagCount>> {
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT t.id, t.name, COUNT(*) AS works FROM tags t \
             JOIN work_tags wt ON wt.tag_id = t.id JOIN works w ON w.id = wt.work_id \
             WHERE t.kind = $1 AND {} \
             GROUP BY t.id, t.name, t.name_key ORDER BY t.name_key, t.id",
            audience.listed("w")
        ))
        .bind(kind.code());
        let rows: Vec<TagCountRow> = conn.db().fetch_all(&sql).await?;
        rows.into_iter()
            .map(|r| {
                Ok(TagCount {
                    id: TagId(r.id),
                    kind,
                    name: TagName::parse(&r.name)
                        .map_err(|e| StoreError::Corrupt(format!("tag name {:?}: {e}", r.name)))?,
                    works: to_u64(r.works, "a tag's work count")?,
                })
            })
            .collect()
    }

    /// The fandoms index: every fandom with its number of works.
    pub async fn fandoms_with_counts(&self, audience: Audience) -> Result<Vec<TagCount>> {
        self.tag_work_counts(audience, TagKind::Fandom).await
    }

    /// Works that carry a tag (matched case-insensitively), most recently updated first.
    pub async fn works_with_tag(
        &self,
        audience: Audience,
        kind: TagKind,
        name: &TagName,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<WorkBlurb>> {
        let key = name_key(name.as_str());
        let mut tx = self.read_tx().await?;
        let mut db = tx.db();
        let sql = Sql::new(format!(
            "SELECT {BLURB_COLUMNS} FROM works w JOIN work_tags wt ON wt.work_id = w.id \
             JOIN tags t ON t.id = wt.tag_id WHERE t.kind = $1 AND t.name_key = $2 AND {} \
             ORDER BY w.updated DESC, w.id DESC LIMIT $3 OFFSET $4",
            audience.listed("w")
        ))
        .bind(kind.code())
        .bind(key.as_str())
        .bind(i64::from(limit))
        .bind(to_i64(offset));
        let rows: Vec<BlurbRow> = db.fetch_all(&sql).await?;
        let found = blurbs(&mut db, rows).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// How many works carry a tag (for paging [`Store::works_with_tag`]).
    pub async fn count_works_with_tag(
        &self,
        audience: Audience,
        kind: TagKind,
        name: &TagName,
    ) -> Result<u64> {
        let key = name_key(name.as_str());
        let mut conn = self.read_conn().await?;
        let sql = Sql::new(format!(
            "SELECT COUNT(*) FROM work_tags wt JOIN tags t ON t.id = wt.tag_id \
             JOIN works w ON w.id = wt.work_id WHERE t.kind = $1 AND t.name_key = $2 AND {}",
            audience.listed("w")
        ))
        .bind(kind.code())
        .bind(key.as_str());
        let (n,): (i64,) = conn.db().fetch_one(&sql).await?;
        to_u64(n, "a tag's work count")
    }
}
