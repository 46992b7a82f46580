//! A policy comparison on a store's whole population: the files read from
//! one snapshot into columns, the comparison spread over every core. The
//! CLI's `policy compare`, `rulebook activate` and the server's policy page
//! share it.

use socred_core::batch::Population;
use socred_core::policy::{Comparer, Comparison, FileFilter};
use socred_core::{Date, Rulebook};

use crate::backend::FileReads;
use crate::{Result, StoreError};

/// Threads a comparison spreads over, at most.
pub const MAX_THREADS: usize = 64;

/// Compares `proposed` with `active` on every subject `reads` holds, on
/// `as_of`. `progress` is told how many files have been read.
pub fn compare(reads: &dyn FileReads, active: &Rulebook, proposed: &Rulebook, as_of: Date, progress: &dyn Fn(u64)) -> Result<Comparison> {
    let filter = FileFilter::new(active, proposed, as_of);
    let mut population = Population::default();
    let mut files = Vec::new();
    reads.each_file(&mut |subject, file| {
        population.push_file(subject, &file).map_err(|error| StoreError::invalid("population", error.to_string()))?;
        files.push(filter.needs_file(&file).then_some(file));
        progress(files.len() as u64);
        Ok(())
    })?;
    population.shrink_to_fit();

    let comparer = Comparer::new(active, proposed, &population, as_of);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    let per_thread = population.len().div_ceil(threads).max(1);
    let parts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|thread| {
                let start = (thread * per_thread).min(population.len());
                let end = ((thread + 1) * per_thread).min(population.len());
                let (comparer, population, files) = (&comparer, &population, &files);
                scope.spawn(move || comparer.partial(population, files, start..end))
            })
            .collect();
        workers.into_iter().map(|worker| worker.join().expect("a comparison thread does not panic")).collect()
    });
    Ok(comparer.finish(parts))
}
