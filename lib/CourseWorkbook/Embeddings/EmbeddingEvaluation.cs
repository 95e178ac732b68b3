namespace CourseWorkbook.Embeddings;

/// <summary>How well an embedder's cosine similarity tells paraphrases from non-paraphrases on one split.</summary>
/// <param name="Auc">ROC AUC of paraphrase pairs against all negative pairs (unrelated and hard).</param>
/// <param name="HardNegativeAuc">AUC against hard negatives only: below 0.5 means word overlap fools the
/// embedder.</param>
/// <param name="UnrelatedAuc">AUC against pairs from different groups only.</param>
/// <param name="Sentences">Sentences embedded (paraphrases and hard negatives).</param>
/// <param name="Pairs">Labelled pairs scored.</param>
public sealed record ParaphraseScores(double Auc, double HardNegativeAuc, double UnrelatedAuc, int Sentences,
    int Pairs);

/// <summary>
/// Instance-based topic classification of the held-out headlines by their nearest training headlines.
/// </summary>
/// <param name="K">Neighbours that vote.</param>
/// <param name="Accuracy">Fraction of held-out headlines given their own topic (chance: 0.25).</param>
/// <param name="Known">Training headlines used as labelled examples.</param>
/// <param name="Queries">Held-out headlines classified.</param>
public sealed record TopicScores(int K, double Accuracy, int Known, int Queries);

/// <summary>
/// The practical's two benchmarks for any embedder, given as a function from texts to vectors, so TF-IDF, a BERT
/// encoder and a contrastive (BGE-style) model are scored the same way.
/// </summary>
public static class EmbeddingEvaluation
{
    /// <summary>
    /// Paraphrase retrieval AUCs on the given groups (default: the held-out ones), cosine similarity.
    /// </summary>
    public static ParaphraseScores Paraphrases(Func<IReadOnlyList<string>, float[][]> embed, ParaphraseSet set,
        IEnumerable<ParaphraseGroup>? groups = null)
    {
        var items = set.Items(groups ?? set.HeldOut);
        var similarity = Similarity.CosineSimilarityMatrix(embed(items.Select(i => i.Text).ToArray()));
        var pairs = ParaphrasePairs.Build(items);
        return new ParaphraseScores(
            ParaphrasePairs.Auc(similarity, pairs),
            ParaphrasePairs.Auc(similarity, pairs, PairKind.HardNegative),
            ParaphrasePairs.Auc(similarity, pairs, PairKind.Unrelated),
            items.Count, pairs.Count);
    }

    /// <summary>
    /// k-NN accuracy (cosine) of the held-out headlines, the training headlines being the known examples.
    /// </summary>
    public static TopicScores Topics(Func<IReadOnlyList<string>, float[][]> embed, TopicCorpus corpus, int k = 1)
    {
        var (train, test) = (corpus.Train, corpus.HeldOut);
        var known = embed(train.Select(h => h.Text).ToArray());
        var queries = embed(test.Select(h => h.Text).ToArray());
        double accuracy = EmbeddingMetrics.KnnAccuracy(known, train.Select(h => h.Label).ToArray(), queries,
            test.Select(h => h.Label).ToArray(), k, DistanceMetric.Cosine);
        return new TopicScores(k, accuracy, train.Count, test.Count);
    }
}
