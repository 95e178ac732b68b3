namespace CourseWorkbook.Data;

/// <summary>
/// PyTorch's DataLoader in a few lines: walks a dataset in batches of <see cref="BatchSize"/> items, in a new
/// shuffled order every epoch when <see cref="Shuffle"/> is on, and turns each list of items into a batch with the
/// collate function. The order comes from a generator seeded once, so the same seed gives the same batches.
/// </summary>
public sealed class DataLoader<TItem, TBatch>
{
    readonly IReadOnlyList<TItem> dataset;
    readonly Func<IReadOnlyList<TItem>, TBatch> collate;
    readonly Random rng;

    /// <summary>A loader over <paramref name="dataset"/>; <paramref name="dropLast"/> skips a last, smaller
    /// batch.</summary>
    public DataLoader(IReadOnlyList<TItem> dataset, int batchSize, Func<IReadOnlyList<TItem>, TBatch> collate,
        bool shuffle = true, int seed = 42, bool dropLast = false)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), "the batch size must be at least 1");
        if (dataset.Count == 0) throw new ArgumentException("the dataset is empty", nameof(dataset));
        this.dataset = dataset;
        this.collate = collate;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        rng = new Random(seed);
    }

    /// <summary>Items per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch visits the items in a new random order.</summary>
    public bool Shuffle { get; }
    /// <summary>Whether a last incomplete batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Batches per epoch.</summary>
    public int Count => DropLast ? dataset.Count / BatchSize : (dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The item indices of one epoch, batch by batch (draws the next shuffle when <see
    /// cref="Shuffle"/>).</summary>
    public IReadOnlyList<int[]> EpochIndices()
    {
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        if (Shuffle) rng.Shuffle(order);
        return order.Chunk(BatchSize).Where(c => !DropLast || c.Length == BatchSize).ToList();
    }

    /// <summary>One epoch of batches. A batch that is <see cref="IDisposable"/> (tensors) is disposed when the next one
    /// is asked for, so native memory is freed step by step: clone what must outlive its step.</summary>
    public IEnumerable<TBatch> Epoch()
    {
        foreach (var indices in EpochIndices())
        {
            var batch = collate(indices.Select(i => dataset[i]).ToArray());
            try { yield return batch; }
            finally { (batch as IDisposable)?.Dispose(); }
        }
    }

    /// <summary>Batches without end, epoch after epoch (a training loop counts steps, not epochs).</summary>
    public IEnumerable<TBatch> Forever()
    {
        while (true)
            foreach (var batch in Epoch())
                yield return batch;
    }
}
