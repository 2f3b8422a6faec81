//! Listings fetched page by page, as [`Stream`]s of pages ([`Pages`]) or of their items
//! ([`Items`]).
//!
//! A listing operation answers with one page; a [`Pages`] stream requests page after page,
//! each from the [`Position`] the previous one leads to, until the listing ends. The
//! generated operations that list build one for each listing (the `…_pages` and
//! `…_stream` methods beside the operation); [`Pages::new`] builds one around any request.
//!
//! # Shapes
//!
//! A listing is addressed in one of three ways, each a [`Position`]:
//!
//! - [`Position::Cursor`]: the page after a cursor (`after`). The first page has no cursor;
//!   the next page's cursor is the page's [`PageInfo::next_cursor`], usually its `last_id`
//!   or the id of its last item.
//! - [`Position::Page`]: a page number (`page`, `current_page`), counted from 0 or from 1
//!   as the listing does; the next page is the next number.
//! - [`Position::Offset`]: the index of the first item (`offset`); the next page starts
//!   after this page's items.
//!
//! # Backpressure
//!
//! Nothing is requested before the stream is first polled, and then one page at a time: a
//! page is requested only when the stream is polled past the previous one. [`Items`]
//! requests the next page only once every item of the previous page has been taken. A
//! consumer that stops taking items stops the requests; dropping the stream cancels the
//! request in flight.
//!
//! # The end
//!
//! The stream ends (`None`) after a page that
//!
//! - is empty;
//! - says `has_more: false`;
//! - for a page-number listing whose pages give the total item count, is the page that
//!   reaches it: page `n` of a listing whose first page is `first` covers the first
//!   `(n - first + 1) × page length` items, the page length being the largest number of
//!   items seen on one page, so a listing started on a later page counts the pages before
//!   it too;
//! - for an offset listing whose pages give the total, reaches it (`offset + items ≥
//!   total`);
//! - for a cursor listing, gives no cursor for the next page, unless it says
//!   `has_more: true` (below).
//!
//! Otherwise, with neither `has_more` nor a total, the listing ends at the first empty page.
//! Once ended, the stream keeps returning `None` ([`FusedStream`]).
//!
//! # Errors
//!
//! A page that fails to load (after the retries of the client's retry policy, which apply
//! to each page's request as to any other) is one error item, and the stream ends: the
//! pages before it were good, and [`Pages::position`] tells where to start a new stream to
//! go on. The stream also ends with one [`Error::Pagination`] item, instead of requesting
//! again, when
//!
//! - a cursor listing leads to a cursor already requested in this stream (the same cursor
//!   twice, or a cycle): [`PaginationError::RepeatedCursor`];
//! - a page is identical to one already received in this stream, as when the server ignores
//!   the page or offset parameter: [`PaginationError::RepeatedPage`] (the page is not
//!   yielded again). Pages are compared by a hash of their JSON serialisation;
//! - a cursor listing's page says `has_more: true` but gives no cursor to go on from:
//!   [`PaginationError::MissingCursor`].
//!
//! # Example
//!
//! A listing the spec does not describe, read item by item:
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use portkey_client::pagination::{Items, PageInfo, Pages, Position};
//! use portkey_client::Client;
//! use reqwest::Method;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Widget {
//!     id: String,
//! }
//!
//! #[derive(Serialize, Deserialize)]
//! struct WidgetPage {
//!     data: Vec<Widget>,
//!     has_more: bool,
//!     last_id: Option<String>,
//! }
//!
//! fn widgets(client: &Client) -> Items<Widget> {
//!     let client = client.clone();
//!     let info = |page: &WidgetPage| PageInfo {
//!         items: page.data.len(),
//!         has_more: Some(page.has_more),
//!         next_cursor: page.last_id.clone(),
//!         total: None,
//!     };
//!     Pages::new(Position::Cursor(None), 0, info, move |position| {
//!         let mut request = client
//!             .runtime()
//!             .request(Method::GET, "/widgets", &[])
//!             .query("limit", "100");
//!         if let Position::Cursor(Some(after)) = &position {
//!             request = request.query("after", after);
//!         }
//!         request.send_json::<WidgetPage>()
//!     })
//!     .items(|page| page.data)
//! }
//!
//! # async fn run(client: Client) -> Result<(), portkey_client::Error> {
//! let mut widgets = widgets(&client);
//! while let Some(widget) = widgets.next().await {
//!     println!("{}", widget?.id);
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::FusedStream;
use futures_core::Stream;
use serde::Serialize;

use crate::error::{one_line, Error, PaginationError};

/// Where a page is fetched from; given to the fetch function of [`Pages::new`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Position {
    /// A cursor listing (`after`): `None` for the first page (no cursor).
    Cursor(Option<String>),
    /// A page-number listing (`current_page`, `page`): the page number.
    Page(u64),
    /// An offset listing (`offset`): the index of the first item.
    Offset(u64),
}

impl fmt::Display for Position {
    /// `the first page`, ``cursor `abc` ``, `page 3` or `offset 20`; a cursor is shown on
    /// one line, shortened if long.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Cursor(None) => f.write_str("the first page"),
            Position::Cursor(Some(cursor)) => write!(f, "cursor `{}`", one_line(cursor, 100)),
            Position::Page(n) => write!(f, "page {n}"),
            Position::Offset(o) => write!(f, "offset {o}"),
        }
    }
}

/// What a [`Pages`] stream needs to know of a page to find the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    /// The number of items on the page.
    pub items: usize,
    /// The page's `has_more`, when it has one.
    pub has_more: Option<bool>,
    /// For cursor listings: the cursor of the next page (the page's `last_id`, or its last
    /// item's id). An empty cursor counts as none.
    pub next_cursor: Option<String>,
    /// For page-number and offset listings: the listing's total item count, when the page
    /// says.
    pub total: Option<u64>,
}

/// A page being fetched.
type PageFuture<P> = Pin<Box<dyn Future<Output = Result<P, Error>> + Send>>;

/// The fetch function, its future boxed.
type Fetch<P> = Box<dyn FnMut(Position) -> PageFuture<P> + Send>;

/// Where a [`Pages`] stream is.
enum State<P> {
    /// Waiting to be polled: the next page is at this position.
    Next(Position),
    /// The page at this position is being fetched.
    Fetching(Position, PageFuture<P>),
    /// The last page was yielded; this error is next, then the end.
    Failing(Box<PaginationError>),
    /// Ended. `resume` is the position of the page that failed to load, if that is why.
    Done { resume: Option<Position> },
}

/// A listing's pages, fetched one at a time as the stream is polled: see the
/// [module documentation](self) for the shapes, when it ends and its errors.
///
/// A [`Stream`] of `Result<P, Error>`; consume it with `StreamExt::next` from
/// `futures-util` (or any other `Stream` combinator library), or turn it into a stream of
/// items with [`Pages::items`].
pub struct Pages<P> {
    state: State<P>,
    fetch: Fetch<P>,
    info: fn(&P) -> PageInfo,
    first_page: u64,
    /// The largest number of items seen on one page.
    page_len: usize,
    /// The cursors requested so far.
    cursors: HashSet<String>,
    /// The hashes of the pages received so far, with where each was fetched from.
    received: HashMap<u64, Position>,
}

impl<P: Serialize + Send + 'static> Pages<P> {
    /// A stream of the pages of a listing, the first fetched from `start`.
    ///
    /// - `first_page`: the number of the listing's first page (0 or 1), used with
    ///   [`PageInfo::total`] by page-number listings; ignored by the others.
    /// - `info`: what the stream needs to know of a page to find the next.
    /// - `fetch`: fetches the page at a position, with the listing's other parameters.
    ///   Called once per page, only when the stream needs that page.
    pub fn new<F, Fut>(start: Position, first_page: u64, info: fn(&P) -> PageInfo, fetch: F) -> Self
    where
        F: FnMut(Position) -> Fut + Send + 'static,
        Fut: Future<Output = Result<P, Error>> + Send + 'static,
    {
        let mut fetch = fetch;
        Pages {
            state: State::Next(start),
            fetch: Box::new(move |position| Box::pin(fetch(position))),
            info,
            first_page,
            page_len: 0,
            cursors: HashSet::new(),
            received: HashMap::new(),
        }
    }

    /// The items of each page, in order, as one stream; `split` takes a page's items out of
    /// it. The next page is requested only once every item of the previous one was taken.
    pub fn items<T: Send + 'static>(self, split: fn(P) -> Vec<T>) -> Items<T> {
        Items {
            pages: Box::new(Split { pages: self, split }),
            current: Vec::new().into_iter(),
            done: false,
        }
    }
}

impl<P> Pages<P> {
    /// Where the stream goes on from: the position of the page it fetches next, or is
    /// fetching. After a page failed to load, the position of that page, so that a new
    /// stream started there picks up where this one stopped; `None` once the stream ended
    /// otherwise.
    pub fn position(&self) -> Option<&Position> {
        match &self.state {
            State::Next(position) | State::Fetching(position, _) => Some(position),
            State::Done { resume } => resume.as_ref(),
            State::Failing(_) => None,
        }
    }

    /// After the page at `position`: what comes next.
    fn after(&mut self, position: &Position, info: &PageInfo) -> State<P> {
        self.page_len = self.page_len.max(info.items);
        match next_position(position, info, self.first_page, self.page_len) {
            Ok(Some(Position::Cursor(Some(cursor)))) if self.cursors.contains(&cursor) => {
                State::Failing(Box::new(PaginationError::RepeatedCursor { cursor }))
            }
            Ok(Some(next)) => State::Next(next),
            Ok(None) => State::Done { resume: None },
            Err(e) => State::Failing(Box::new(e)),
        }
    }
}

/// The position of the page after the page at `position`, described by `info`, or `None`
/// when the listing ends there. `page_len` is the largest number of items seen on a page,
/// this one included. Repeated cursors are not checked here.
fn next_position(
    position: &Position,
    info: &PageInfo,
    first_page: u64,
    page_len: usize,
) -> Result<Option<Position>, PaginationError> {
    if info.items == 0 || info.has_more == Some(false) {
        return Ok(None);
    }
    Ok(match position {
        Position::Cursor(_) => match info.next_cursor.as_deref() {
            Some(cursor) if !cursor.is_empty() => Some(Position::Cursor(Some(cursor.to_owned()))),
            _ if info.has_more == Some(true) => {
                return Err(PaginationError::MissingCursor {
                    position: position.clone(),
                })
            }
            _ => None,
        },
        Position::Page(n) => {
            let pages = n.saturating_sub(first_page).saturating_add(1);
            let covered = pages.saturating_mul(page_len as u64);
            match info.total {
                Some(total) if covered >= total => None,
                _ => n.checked_add(1).map(Position::Page),
            }
        }
        Position::Offset(o) => {
            let end = o.saturating_add(info.items as u64);
            match info.total {
                Some(total) if end >= total => None,
                _ => Some(Position::Offset(end)),
            }
        }
    })
}

/// A hash of the page's JSON serialisation, or `None` if it does not serialise.
fn page_hash<P: Serialize>(page: &P) -> Option<u64> {
    let json = serde_json::to_vec(page).ok()?;
    let mut hasher = DefaultHasher::new();
    json.hash(&mut hasher);
    Some(hasher.finish())
}

impl<P: Serialize> Stream for Pages<P> {
    type Item = Result<P, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done { resume: None }) {
                State::Next(position) => {
                    if let Position::Cursor(Some(cursor)) = &position {
                        this.cursors.insert(cursor.clone());
                    }
                    let page = (this.fetch)(position.clone());
                    this.state = State::Fetching(position, page);
                }
                State::Fetching(position, mut page) => {
                    let page = match page.as_mut().poll(cx) {
                        Poll::Pending => {
                            this.state = State::Fetching(position, page);
                            return Poll::Pending;
                        }
                        Poll::Ready(Err(e)) => {
                            this.state = State::Done {
                                resume: Some(position),
                            };
                            return Poll::Ready(Some(Err(e)));
                        }
                        Poll::Ready(Ok(page)) => page,
                    };
                    if let Some(hash) = page_hash(&page) {
                        if let Some(earlier) = this.received.get(&hash) {
                            let e = PaginationError::RepeatedPage {
                                position,
                                earlier: earlier.clone(),
                            };
                            return Poll::Ready(Some(Err(Error::Pagination(Box::new(e)))));
                        }
                        this.received.insert(hash, position.clone());
                    }
                    let info = (this.info)(&page);
                    this.state = this.after(&position, &info);
                    return Poll::Ready(Some(Ok(page)));
                }
                State::Failing(e) => return Poll::Ready(Some(Err(Error::Pagination(e)))),
                State::Done { resume } => {
                    this.state = State::Done { resume };
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl<P: Serialize> FusedStream for Pages<P> {
    fn is_terminated(&self) -> bool {
        matches!(self.state, State::Done { .. })
    }
}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Next(_) => "next",
            State::Fetching(..) => "fetching",
            State::Failing(_) => "failing",
            State::Done { .. } => "done",
        };
        f.debug_struct("Pages")
            .field("state", &state)
            .field("position", &self.position())
            .field("pages_received", &self.received.len())
            .finish_non_exhaustive()
    }
}

/// The pages of a [`Pages`] stream, each split into its items.
struct Split<P, T> {
    pages: Pages<P>,
    split: fn(P) -> Vec<T>,
}

/// The items of a listing's pages, page by page, whatever the page type.
trait PageItems<T>: Send {
    /// The next page's items, as [`Stream::poll_next`] would give the page.
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Vec<T>, Error>>>;
}

impl<P: Serialize + Send, T: Send> PageItems<T> for Split<P, T> {
    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Vec<T>, Error>>> {
        Pin::new(&mut self.pages)
            .poll_next(cx)
            .map(|page| page.map(|page| page.map(self.split)))
    }
}

/// The items of a listing, in order, fetched a page at a time as the stream is polled:
/// made by [`Pages::items`]. See the [module documentation](self) for when it ends and its
/// errors.
///
/// A [`Stream`] of `Result<T, Error>`. The next page is requested only once every item of
/// the previous one was taken; an error (a page that failed to load, say) is one item, and
/// the stream ends after it.
pub struct Items<T> {
    pages: Box<dyn PageItems<T>>,
    /// The items of the last page not yet taken.
    current: std::vec::IntoIter<T>,
    done: bool,
}

// The items are moved out, never pinned.
impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match this.pages.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(items))) => this.current = items.into_iter(),
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.current.len();
        (buffered, self.done.then_some(buffered))
    }
}

impl<T> FusedStream for Items<T> {
    fn is_terminated(&self) -> bool {
        self.done && self.current.len() == 0
    }
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("buffered", &self.current.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// A count or page number the spec types as an integer, as a position: `None` when negative.
#[doc(hidden)]
pub fn count_from_i64(n: i64) -> Option<u64> {
    u64::try_from(n).ok()
}

/// A count or page number the spec types as a number: `None` when negative or not finite;
/// a fraction is cut off.
#[doc(hidden)]
pub fn count_from_f64(n: f64) -> Option<u64> {
    // `as` saturates: a count past `u64::MAX` reads as the largest.
    (n.is_finite() && n >= 0.0).then_some(n as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_from_spec_numbers() {
        assert_eq!(super::count_from_i64(3), Some(3));
        assert_eq!(super::count_from_i64(-1), None);
        assert_eq!(super::count_from_f64(2.0), Some(2));
        assert_eq!(super::count_from_f64(2.7), Some(2));
        assert_eq!(super::count_from_f64(-0.5), None);
        assert_eq!(super::count_from_f64(f64::NAN), None);
    }

    use std::marker::PhantomPinned;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;

    /// The next item of a stream whose pages are ready at once (these tests' listings answer
    /// without waiting), so that no runtime is needed.
    fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match Pin::new(stream).poll_next(&mut cx) {
            Poll::Ready(item) => item,
            Poll::Pending => panic!("a test listing is ready at once"),
        }
    }

    fn info(
        items: usize,
        has_more: Option<bool>,
        next_cursor: Option<&str>,
        total: Option<u64>,
    ) -> PageInfo {
        PageInfo {
            items,
            has_more,
            next_cursor: next_cursor.map(str::to_owned),
            total,
        }
    }

    fn cursor(c: &str) -> Position {
        Position::Cursor(Some(c.to_owned()))
    }

    #[test]
    fn cursor_listings_follow_the_cursor() {
        let first = Position::Cursor(None);
        let cases = [
            (info(2, Some(true), Some("b"), None), Ok(Some(cursor("b")))),
            (info(2, None, Some("b"), None), Ok(Some(cursor("b")))),
            (info(2, Some(false), Some("b"), None), Ok(None)),
            (info(0, Some(true), Some("b"), None), Ok(None)),
            (info(2, None, None, None), Ok(None)),
            (info(2, None, Some(""), None), Ok(None)),
            (
                info(2, Some(true), None, None),
                Err(PaginationError::MissingCursor {
                    position: first.clone(),
                }),
            ),
            (
                info(2, Some(true), Some(""), None),
                Err(PaginationError::MissingCursor {
                    position: first.clone(),
                }),
            ),
        ];
        for (page, expected) in cases {
            assert_eq!(
                next_position(&first, &page, 0, page.items),
                expected,
                "{page:?}"
            );
        }
        let from_a = next_position(&cursor("a"), &info(1, None, Some("b"), None), 0, 1);
        assert_eq!(from_a, Ok(Some(cursor("b"))));
    }

    #[test]
    fn page_listings_count_pages_against_the_total() {
        let next = |n, items, total, first, page_len| {
            next_position(
                &Position::Page(n),
                &info(items, None, None, total),
                first,
                page_len,
            )
            .unwrap()
        };
        // 25 items, pages of 10 from 1: pages 1, 2, 3 (5 items).
        assert_eq!(next(1, 10, Some(25), 1, 10), Some(Position::Page(2)));
        assert_eq!(next(2, 10, Some(25), 1, 10), Some(Position::Page(3)));
        assert_eq!(next(3, 5, Some(25), 1, 10), None);
        // 20 items, pages of 10 from 0: page 1 is the last.
        assert_eq!(next(0, 10, Some(20), 0, 10), Some(Position::Page(1)));
        assert_eq!(next(1, 10, Some(20), 0, 10), None);
        // Started on page 3 (from 1) of 30: the pages before count, page 3 is the last.
        assert_eq!(next(3, 10, Some(30), 1, 10), None);
        // Started on the short last page: the page length is unknown, so one page more
        // (which will be empty) is asked for.
        assert_eq!(next(3, 5, Some(25), 1, 5), Some(Position::Page(4)));
        // Page 0 of a listing numbered from 1 counts as one page, without underflow.
        assert_eq!(next(0, 10, Some(10), 1, 10), None);
        assert_eq!(next(0, 10, Some(11), 1, 10), Some(Position::Page(1)));
        // No total: on until an empty page or `has_more: false`.
        assert_eq!(next(7, 10, None, 1, 10), Some(Position::Page(8)));
        assert_eq!(next(7, 0, None, 1, 10), None);
        let last = next_position(
            &Position::Page(2),
            &info(10, Some(false), None, None),
            1,
            10,
        );
        assert_eq!(last, Ok(None));
        let more = next_position(&Position::Page(2), &info(10, Some(true), None, None), 1, 10);
        assert_eq!(more, Ok(Some(Position::Page(3))));
        // No overflow at the end of the numbers.
        assert_eq!(next(u64::MAX, 10, None, 1, 10), None);
        assert_eq!(next(u64::MAX, 10, Some(u64::MAX), 0, usize::MAX), None);
    }

    #[test]
    fn offset_listings_advance_by_the_items() {
        let next = |o, items, total| {
            next_position(
                &Position::Offset(o),
                &info(items, None, None, total),
                0,
                items,
            )
            .unwrap()
        };
        assert_eq!(next(0, 10, None), Some(Position::Offset(10)));
        assert_eq!(next(10, 3, None), Some(Position::Offset(13)));
        assert_eq!(next(13, 0, None), None);
        assert_eq!(next(0, 10, Some(25)), Some(Position::Offset(10)));
        assert_eq!(next(20, 5, Some(25)), None);
        assert_eq!(next(20, 10, Some(25)), None);
        let last = next_position(
            &Position::Offset(5),
            &info(10, Some(false), None, None),
            0,
            10,
        );
        assert_eq!(last, Ok(None));
    }

    #[test]
    fn errors_read_as_one_line() {
        let repeated = Error::Pagination(Box::new(PaginationError::RepeatedCursor {
            cursor: "abc".to_owned(),
        }));
        assert_eq!(
            repeated.to_string(),
            "pagination: the server returned cursor `abc` a second time; stopped to avoid a loop"
        );
        assert_eq!(repeated.status(), None);
        assert!(repeated.pagination_error().is_some());
        let same = Error::Pagination(Box::new(PaginationError::RepeatedPage {
            position: Position::Page(3),
            earlier: Position::Page(2),
        }));
        assert_eq!(
            same.to_string(),
            "pagination: the page at page 3 is identical to the page at page 2; stopped to avoid a loop"
        );
        let missing = Error::Pagination(Box::new(PaginationError::MissingCursor {
            position: Position::Cursor(None),
        }));
        assert_eq!(
            missing.to_string(),
            "pagination: the page at the first page has more items after it but no cursor to fetch them with"
        );
        assert_eq!(Position::Offset(20).to_string(), "offset 20");
        assert_eq!(cursor("a\nb").to_string(), "cursor `a b`");
    }

    #[test]
    fn streams_are_send_unpin_and_static() {
        fn check<S: Stream + FusedStream + Send + Unpin + 'static>(_: &S) {}
        #[derive(Serialize)]
        struct Pinned {
            #[serde(skip)]
            _pin: PhantomPinned,
        }
        let pages = Pages::new(
            Position::Offset(0),
            0,
            |_: &Pinned| PageInfo::default(),
            |_| async {
                Ok(Pinned {
                    _pin: PhantomPinned,
                })
            },
        );
        check(&pages);
        let items = pages.items(|page| vec![page]);
        check(&items);
    }

    /// Pages of numbers `[o, o + 1, ...]` from an in-memory listing of `len` numbers,
    /// counting the fetches.
    fn numbers(len: u64, per_page: u64, fetches: Arc<AtomicUsize>) -> Pages<Vec<u64>> {
        Pages::new(
            Position::Offset(0),
            0,
            |page: &Vec<u64>| PageInfo {
                items: page.len(),
                ..PageInfo::default()
            },
            move |position| {
                fetches.fetch_add(1, Ordering::SeqCst);
                let Position::Offset(o) = position else {
                    unreachable!()
                };
                async move { Ok((o..len.min(o + per_page)).collect()) }
            },
        )
    }

    #[test]
    fn items_are_fetched_page_by_page_and_the_stream_stays_ended() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut items = numbers(5, 2, Arc::clone(&fetches)).items(|page| page);
        assert_eq!(fetches.load(Ordering::SeqCst), 0);
        assert_eq!(next(&mut items).unwrap().unwrap(), 0);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(next(&mut items).unwrap().unwrap(), 1);
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert_eq!(next(&mut items).unwrap().unwrap(), 2);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        let rest: Vec<u64> = std::iter::from_fn(|| next(&mut items))
            .map(Result::unwrap)
            .collect();
        assert_eq!(rest, [3, 4]);
        // Pages [0, 1], [2, 3], [4], [] (the empty page ends it).
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
        assert!(items.is_terminated());
        assert!(next(&mut items).is_none());
        assert!(next(&mut items).is_none());
        assert_eq!(fetches.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn position_tells_where_to_resume() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut pages = numbers(3, 2, fetches);
        assert_eq!(pages.position(), Some(&Position::Offset(0)));
        next(&mut pages).unwrap().unwrap();
        assert_eq!(pages.position(), Some(&Position::Offset(2)));
        assert!(!pages.is_terminated());
        next(&mut pages).unwrap().unwrap();
        next(&mut pages).unwrap().unwrap();
        assert!(next(&mut pages).is_none());
        assert_eq!(pages.position(), None);
        assert!(pages.is_terminated());

        let mut calls = 0;
        let mut failing = Pages::new(
            Position::Page(1),
            1,
            |page: &Vec<u64>| PageInfo {
                items: page.len(),
                ..PageInfo::default()
            },
            move |position| {
                calls += 1;
                let answer = if calls == 1 {
                    Ok(vec![1])
                } else {
                    Err(Error::InvalidRequest(format!("{position}")))
                };
                async move { answer }
            },
        );
        assert_eq!(next(&mut failing).unwrap().unwrap(), [1]);
        let err = next(&mut failing).unwrap().unwrap_err();
        assert_eq!(err.to_string(), "invalid request: page 2");
        assert!(next(&mut failing).is_none());
        assert!(failing.is_terminated());
        assert_eq!(failing.position(), Some(&Position::Page(2)));
    }
}
