namespace CourseWorkbook.Embeddings;

/// <summary>What relates the two sentences of a pair.</summary>
public enum PairKind
{
    /// <summary>Two sentences of the same group: same meaning, different words.</summary>
    Paraphrase,

    /// <summary>Sentences of different groups: different meaning, mostly different words.</summary>
    Unrelated,

    /// <summary>
    /// A group's sentence and a hard negative imitating that group: many shared words, different meaning.
    /// </summary>
    HardNegative,
}

/// <summary>A labelled pair of sentences, by index into the item list it was built from.</summary>
/// <param name="First">Index of the first sentence.</param>
/// <param name="Second">Index of the second sentence (greater than <paramref name="First"/>).</param>
/// <param name="SameMeaning">True for paraphrases: the label a similarity score should predict.</param>
/// <param name="Kind">Which kind of pair it is.</param>
public sealed record SentencePair(int First, int Second, bool SameMeaning, PairKind Kind);

/// <summary>An (anchor, positive) pair for contrastive (InfoNCE) training: two paraphrases of the same group, and
/// optionally a hard negative of that group (same words as one of them, another meaning) that the anchor must not
/// match.</summary>
public sealed record TrainingPair(string Anchor, string Positive, int Group, string? HardNegative = null);

/// <summary>
/// Builds labelled pairs from the paraphrase data, and scores an embedding by how well similarity separates them.
/// </summary>
public static class ParaphrasePairs
{
    /// <summary>
    /// Every pair of items, labelled: same group → paraphrase; a hard negative with a sentence of the group it imitates
    /// → hard negative; anything else across groups → unrelated. Two hard negatives are never paired (their relation is
    /// unlabelled).
    /// </summary>
    public static IReadOnlyList<SentencePair> Build(IReadOnlyList<ParaphraseItem> items)
    {
        var pairs = new List<SentencePair>();
        for (int i = 0; i < items.Count; i++)
            for (int j = i + 1; j < items.Count; j++)
            {
                var (a, b) = (items[i], items[j]);
                if (a.IsHardNegative && b.IsHardNegative) continue;
                if (a.Group != b.Group) pairs.Add(new SentencePair(i, j, false, PairKind.Unrelated));
                else if (a.IsHardNegative || b.IsHardNegative)
                    pairs.Add(new SentencePair(i, j, false, PairKind.HardNegative));
                else pairs.Add(new SentencePair(i, j, true, PairKind.Paraphrase));
            }
        return pairs;
    }

    /// <summary>
    /// Paraphrase retrieval AUC: the probability that a paraphrase pair is more similar than a non-paraphrase pair,
    /// from an [n × n] similarity matrix over the same items. <paramref name="negatives"/> restricts the negatives to
    /// one kind (e.g. only hard negatives); null uses all.
    /// </summary>
    public static double Auc(IReadOnlyList<float[]> similarity, IReadOnlyList<SentencePair> pairs,
        PairKind? negatives = null)
    {
        var chosen = pairs.Where(p => p.SameMeaning || negatives is null || p.Kind == negatives).ToArray();
        return EmbeddingMetrics.RocAuc(chosen.Select(p => (double)similarity[p.First][p.Second]).ToArray(),
            chosen.Select(p => p.SameMeaning).ToArray());
    }

    /// <summary>
    /// (anchor, positive) pairs for InfoNCE from the <em>training</em> groups only: every unordered pair of paraphrases
    /// within a group. Held-out groups never appear, so evaluating on them stays honest.
    /// </summary>
    /// With <paramref name="hardNegatives"/>, each pair carries one of its group's hard negatives, preferably one that
    /// imitates the anchor or the positive (taken in turn when there are several), or none when the group has none.
    public static IReadOnlyList<TrainingPair> TrainingPairs(ParaphraseSet set, bool hardNegatives = false)
    {
        var pairs = new List<TrainingPair>();
        foreach (var g in set.Train)
        {
            int turn = 0;
            for (int i = 0; i < g.Sentences.Count; i++)
                for (int j = i + 1; j < g.Sentences.Count; j++)
                {
                    string? hard = null;
                    if (hardNegatives && g.HardNegatives.Count > 0)
                    {
                        var imitating = g.HardNegatives.Where(h => h.Imitates == i || h.Imitates == j).ToArray();
                        var from = imitating.Length > 0 ? imitating : g.HardNegatives.ToArray();
                        hard = from[turn++ % from.Length].Text;
                    }
                    pairs.Add(new TrainingPair(g.Sentences[i], g.Sentences[j], g.Id, hard));
                }
        }
        return pairs;
    }

    /// <summary>
    /// Shuffles training pairs into batches of at most <paramref name="batchSize"/> with no group twice in a batch:
    /// with in-batch negatives, two pairs of one group would push paraphrases apart. Every pair appears exactly once.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<TrainingPair>> Batches(IReadOnlyList<TrainingPair> pairs, int batchSize,
        Random rng)
    {
        if (batchSize < 2)
            throw new ArgumentOutOfRangeException(nameof(batchSize), "InfoNCE needs at least two pairs a batch");
        var pool = pairs.ToList();
        for (int i = pool.Count - 1; i > 0; i--)
        {
            int k = rng.Next(i + 1);
            (pool[i], pool[k]) = (pool[k], pool[i]);
        }
        var batches = new List<IReadOnlyList<TrainingPair>>();
        while (pool.Count > 0)
        {
            var batch = new List<TrainingPair>();
            var groups = new HashSet<int>();
            for (int i = 0; i < pool.Count && batch.Count < batchSize;)
            {
                if (groups.Add(pool[i].Group)) { batch.Add(pool[i]); pool.RemoveAt(i); }
                else i++;
            }
            batches.Add(batch);
        }
        return batches;
    }
}
