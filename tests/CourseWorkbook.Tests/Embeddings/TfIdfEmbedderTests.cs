using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class TfIdfEmbedderTests
{
    [Fact]
    public void Tokens_are_lower_case_words_keeping_inner_apostrophes()
    {
        Assert.Equal(["i'm", "not", "happy", "with", "the", "result"], TfIdfEmbedder.Tokenize("I’m not happy with the result."));
        Assert.Equal(["3d-printed", "steel", "200m"], TfIdfEmbedder.Tokenize("3D-printed steel, 200m!"));
    }

    [Fact]
    public void Vectors_are_unit_length_and_weigh_rare_words_more()
    {
        var tf = TfIdfEmbedder.Fit(["the cat sat", "the dog sat", "the dog ran"]);
        Assert.Equal(["cat", "dog", "ran", "sat", "the"], tf.Vocabulary);
        var v = tf.Embed("the cat");
        Assert.Equal(1.0, Math.Sqrt(v.Sum(x => x * x)), 6);
        // idf(cat) = ln(4/2) + 1 > idf(the) = ln(4/4) + 1 = 1
        Assert.True(v[0] > v[4]);
        Assert.Equal((Math.Log(2) + 1) / 1, v[0] / v[4], 5);
        Assert.All(tf.Embed("unseen words only"), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Bag_of_words_cannot_tell_who_bit_whom()
    {
        var tf = TfIdfEmbedder.Fit(["The dog bit the man.", "The man was bitten by the dog.", "The man bit the dog."]);
        Assert.Equal(1f, Similarity.Cosine(tf.Embed("The dog bit the man."), tf.Embed("The man bit the dog.")), 5);
    }

    [Fact]
    public void Lexical_baseline_prefers_hard_negatives_but_separates_unrelated_sentences()
    {
        // The reference point of practical 02, on the held-out groups, TF-IDF fitted on the training sentences.
        var set = EmbeddingData.LoadParaphrases();
        var tf = TfIdfEmbedder.Fit(set.Items(set.Train).Select(i => i.Text));
        var scores = EmbeddingEvaluation.Paraphrases(tf.Embed, set);
        Assert.True(scores.HardNegativeAuc < 0.5, $"hard-negative AUC {scores.HardNegativeAuc:F3}");
        Assert.True(scores.UnrelatedAuc > 0.8, $"unrelated AUC {scores.UnrelatedAuc:F3}");
        Assert.InRange(scores.Auc, scores.HardNegativeAuc, scores.UnrelatedAuc);
    }

    [Fact]
    public void Lexical_baseline_classifies_held_out_headlines_well_above_chance()
    {
        var corpus = EmbeddingData.LoadTopics();
        var tf = TfIdfEmbedder.Fit(corpus.Train.Select(h => h.Text));
        var one = EmbeddingEvaluation.Topics(tf.Embed, corpus, k: 1);
        var five = EmbeddingEvaluation.Topics(tf.Embed, corpus, k: 5);
        Assert.Equal(corpus.HeldOut.Count, one.Queries);
        Assert.InRange(one.Accuracy, 0.45, 0.9);     // chance is 0.25
        Assert.InRange(five.Accuracy, 0.45, 0.9);
    }
}
