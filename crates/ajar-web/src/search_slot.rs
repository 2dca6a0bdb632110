//! Where the server's search index is, or will be: a node that has to build its index (a
//! new node, a damaged or far-behind index) serves pages while it builds, and search says
//! it is catching up until the index is filled in.
//!
//! Every reader of the index goes through [`SearchSlot::get`], which answers `None` while
//! the index is being built (or when the server has none): listings, counts and feeds then
//! read the store, as they do on a server without an index, and search answers 503 with how
//! far the build has come.

use ajar_search::Search;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// The search index of a server, shared by every handler; cheap to clone.
#[derive(Clone, Default)]
pub struct SearchSlot {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    search: OnceLock<Search>,
    building: AtomicBool,
    done: AtomicU64,
    total: AtomicU64,
}

/// How far the build of an index has come, for the reader told to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Building {
    pub(crate) done: u64,
    pub(crate) total: u64,
}

impl Building {
    /// What a reader who searched is told.
    pub(crate) fn message(self) -> String {
        let so_far = if self.total > 0 {
            format!(
                " ({} of {} works so far)",
                crate::views::thousands(self.done),
                crate::views::thousands(self.total)
            )
        } else {
            String::new()
        };
        format!(
            "Search is catching up: this server is building its search index{so_far}. \
             Pages, tags and listings work meanwhile; please search again in a minute."
        )
    }
}

impl SearchSlot {
    /// A slot whose index is being built: fill it with [`SearchSlot::fill`] when it is, and
    /// tell it the progress meanwhile ([`SearchSlot::progress`]).
    pub fn building() -> SearchSlot {
        let slot = SearchSlot::default();
        slot.inner.building.store(true, Ordering::SeqCst);
        slot
    }

    /// Works indexed so far, of how many.
    pub fn progress(&self, done: u64, total: u64) {
        self.inner.total.store(total, Ordering::Relaxed);
        self.inner.done.store(done, Ordering::Relaxed);
    }

    /// The index is ready: from now on searches and listings use it. A slot is filled once;
    /// a second index is refused (and handed back).
    pub fn fill(&self, search: Search) -> Result<(), Search> {
        self.inner.search.set(search)?;
        self.inner.building.store(false, Ordering::SeqCst);
        Ok(())
    }

    /// The index, once it is ready.
    pub(crate) fn get(&self) -> Option<&Search> {
        self.inner.search.get()
    }

    /// How far the build has come, while the index is being built.
    pub(crate) fn building_progress(&self) -> Option<Building> {
        if !self.inner.building.load(Ordering::SeqCst) || self.inner.search.get().is_some() {
            return None;
        }
        Some(Building {
            done: self.inner.done.load(Ordering::Relaxed),
            total: self.inner.total.load(Ordering::Relaxed),
        })
    }
}

impl From<Search> for SearchSlot {
    fn from(search: Search) -> SearchSlot {
        let slot = SearchSlot::default();
        // A new slot is empty: this cannot be refused.
        let _ = slot.inner.search.set(search);
        slot
    }
}
