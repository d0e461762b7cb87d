//! Work spread over the machine's cores, the one place funnel starts
//! threads for it: a map that keeps the order of its items, and a join of
//! two jobs. Scoped threads only, so the work may borrow; a panic in a
//! worker is passed on to the caller as it was.

use std::mem::MaybeUninit;

/// How to cut a map into chunks: at most `threads` threads (fewer when the
/// machine has fewer cores), and at least `min_chunk` items per thread, so
/// small inputs stay on the calling thread where a thread would cost more
/// than it saves.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub threads: usize,
    pub min_chunk: usize,
}

impl Split {
    /// The chunk length for `len` items on this machine.
    fn chunk(self, len: usize) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        len.div_ceil(cores.min(self.threads).max(1))
            .max(self.min_chunk)
            .max(1)
    }
}

/// `f` of each item, in the items' order.
pub fn map<'a, T: Sync, R: Send>(
    items: &'a [T],
    split: Split,
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    map_chunks(items, split, |_, part| part.iter().map(&f))
}

/// `f` of each item and its index in `items`, in the items' order.
pub fn map_indexed<'a, T: Sync, R: Send>(
    items: &'a [T],
    split: Split,
    f: impl Fn(usize, &'a T) -> R + Sync,
) -> Vec<R> {
    let f = &f;
    map_chunks(items, split, |start, part| {
        let items = part.iter().enumerate();
        items.map(move |(n, item)| f(start + n, item))
    })
}

/// `f` of each chunk and the index of its first item, the results joined
/// in the items' order: for work that sets something up once per thread
/// (a repository handle, a buffer, a place to look first). `f` must
/// give one result per item of its chunk (it panics otherwise). The first
/// chunk runs on the calling thread. Each thread writes its results
/// straight into the vector returned, so 50,000 results are not made in
/// one place and copied to another (memory first touched costs a page
/// fault per 4 KiB).
pub fn map_chunks<'a, T: Sync, R: Send, I: IntoIterator<Item = R>>(
    items: &'a [T],
    split: Split,
    f: impl Fn(usize, &'a [T]) -> I + Sync,
) -> Vec<R> {
    let chunk = split.chunk(items.len());
    if items.len() <= chunk {
        let all: Vec<R> = f(0, items).into_iter().collect();
        assert_eq!(all.len(), items.len(), "one result per item");
        return all;
    }
    let fill = |start: usize, part: &'a [T], slots: &mut [MaybeUninit<R>]| {
        let mut results = f(start, part).into_iter();
        for slot in slots.iter_mut() {
            slot.write(results.next().expect("one result per item"));
        }
        assert!(results.next().is_none(), "one result per item");
    };
    let fill = &fill;
    let mut out = Vec::with_capacity(items.len());
    let slots = &mut out.spare_capacity_mut()[..items.len()];
    std::thread::scope(|scope| {
        let mut parts = items.chunks(chunk).zip(slots.chunks_mut(chunk));
        let (mine, my_slots) = parts.next().unwrap_or_default();
        let theirs: Vec<_> = (parts.enumerate())
            .map(|(n, (part, slots))| scope.spawn(move || fill((n + 1) * chunk, part, slots)))
            .collect();
        fill(0, mine, my_slots);
        theirs.into_iter().for_each(finished);
    });
    // SAFETY: the chunks cover the first `items.len()` slots, and each
    // chunk's `fill` wrote every slot of its chunk or panicked; a panic
    // never gets here (it is passed on above, or by the scope), so all
    // are written. A panic leaks the results written before it, never
    // reads an unwritten one.
    unsafe { out.set_len(items.len()) };
    out
}

/// `mine`, then what each of `theirs` returns, in order; a worker's panic
/// is passed on as it was.
fn joined<R>(mut mine: Vec<R>, theirs: Vec<std::thread::ScopedJoinHandle<'_, Vec<R>>>) -> Vec<R> {
    for handle in theirs {
        mine.extend(finished(handle));
    }
    mine
}

/// What a worker returns once it has finished; its panic is passed on as
/// it was.
fn finished<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// `f` of each item, in the items' order, for items of very different
/// sizes: each of up to `threads` threads (fewer when the machine has
/// fewer cores) takes the next item not yet taken, so one big item does
/// not hold up a chunk of others. Give the biggest items first.
pub fn map_uneven<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    f: impl Fn(&'a T) -> R + Sync,
) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(threads).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(n) else {
                return done;
            };
            done.push((n, f(item)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let theirs: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        joined(work(), theirs)
    });
    done.sort_unstable_by_key(|(n, _)| *n);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Runs `there` on another thread while `here` runs on this one, and
/// returns both results.
pub fn join<A: Send, B>(there: impl FnOnce() -> A + Send, here: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(there);
        let mine = here();
        (finished(other), mine)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDE: Split = Split {
        threads: 8,
        min_chunk: 3,
    };

    #[test]
    fn a_map_keeps_the_order_of_its_items() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map(&items, WIDE, |n| n * 2);
        assert_eq!(doubled, (0..1000).map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(map(&[] as &[u32], WIDE, |n| *n), Vec::<u32>::new());
        assert_eq!(map(&[7], WIDE, |n| n + 1), [8]);
    }

    #[test]
    fn chunks_are_at_least_the_minimum_and_cover_every_item() {
        // 10 items, at least 3 a chunk: 3, 3, 3, 1 on 8 cores or more;
        // never fewer than 3 but the last; always all 10 in order.
        let items: Vec<u32> = (0..10).collect();
        let sizes = map_chunks(&items, WIDE, |_, part| vec![part.len(); part.len()]);
        assert_eq!(sizes.len(), 10);
        assert!(sizes[..9].iter().all(|s| *s >= 3), "{sizes:?}");
        let same = map_chunks(&items, WIDE, |_, part| part.to_vec());
        assert_eq!(same, items);
        // Each chunk is told where it starts; each item its index.
        let starts = map_chunks(&items, WIDE, |start, part| {
            (0..part.len()).map(move |n| start + n)
        });
        assert_eq!(starts, (0..10).collect::<Vec<usize>>());
        let indexed = map_indexed(&items, WIDE, |n, item| (n, *item));
        assert!(indexed.iter().all(|(n, item)| *n as u32 == *item));
        // Below the minimum: one chunk, on this thread.
        let here = std::thread::current().id();
        let small = Split {
            threads: 8,
            min_chunk: 64,
        };
        assert!(
            map(&items, small, |_| std::thread::current().id() == here)
                .iter()
                .all(|x| *x)
        );
    }

    #[test]
    fn an_uneven_map_keeps_the_order_of_its_items() {
        let items: Vec<u64> = (0..200).rev().collect();
        let slow = |n: &u64| {
            // Big items take longer, as they would.
            std::thread::sleep(std::time::Duration::from_micros(*n));
            n * 2
        };
        let doubled = map_uneven(&items, 8, slow);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(map_uneven(&[] as &[u64], 8, slow), Vec::<u64>::new());
        assert_eq!(map_uneven(&[3], 8, slow), [6]);
    }

    #[test]
    #[should_panic(expected = "uneven worker")]
    fn a_panic_in_an_uneven_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        map_uneven(&items, 8, |n| {
            if *n == 99 {
                panic!("uneven worker")
            } else {
                *n
            }
        });
    }

    #[test]
    fn a_join_returns_both_results() {
        let text = String::from("borrowed");
        let (a, b) = join(|| text.len(), || text.to_uppercase());
        assert_eq!((a, b.as_str()), (8, "BORROWED"));
    }

    #[test]
    #[should_panic(expected = "worker")]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<u32> = (0..100).collect();
        map(
            &items,
            WIDE,
            |n| if *n == 99 { panic!("worker") } else { *n },
        );
    }

    #[test]
    fn owned_results_are_written_in_place_once_each() {
        // Results that own memory: each written once into the vector
        // returned (a slot written twice or never would show here, or as
        // a double free).
        let items: Vec<u32> = (0..1000).collect();
        let texts = map_indexed(&items, WIDE, |n, item| format!("{n}:{item}"));
        let expected: Vec<String> = (0..1000).map(|n| format!("{n}:{n}")).collect();
        assert_eq!(texts, expected);
        // A panic after half a chunk is written drops nothing unwritten.
        let caught = std::panic::catch_unwind(|| {
            map(&items, WIDE, |n| match n {
                700 => panic!("half written"),
                _ => n.to_string(),
            })
        });
        assert!(caught.is_err());
    }

    #[test]
    #[should_panic(expected = "one result per item")]
    fn a_chunk_must_give_one_result_per_item() {
        let items: Vec<u32> = (0..100).collect();
        map_chunks(&items, WIDE, |start, part| {
            let short = if start == 0 {
                part.len()
            } else {
                part.len() - 1
            };
            part[..short].to_vec()
        });
    }

    #[test]
    #[should_panic(expected = "one result per item")]
    fn a_chunk_must_not_give_more_results_than_items() {
        let items: Vec<u32> = (0..100).collect();
        map_chunks(&items, WIDE, |_, part| {
            let mut more = part.to_vec();
            more.push(0);
            more
        });
    }
}
