using CourseWorkbook.Scaling;

namespace CourseWorkbook.Tests.Scaling;

public class MarkovLanguageTests
{
    [Fact]
    public void Stationary_distribution_is_a_fixed_point_of_the_chain()
    {
        var lang = new MarkovLanguage(vocab: 5, order: 2, seed: 3);
        Assert.Equal(1.0, lang.Stationary.Sum(), 1e-12);
        var next = new double[lang.Contexts];
        for (int s = 0; s < lang.Contexts; s++)
            for (int t = 0; t < lang.Vocab; t++) next[lang.Shift(s, t)] += lang.Stationary[s] * lang.NextDistribution(s)[t];
        for (int s = 0; s < lang.Contexts; s++) Assert.Equal(lang.Stationary[s], next[s], 1e-12);
    }

    [Fact]
    public void Uniform_language_has_entropy_rate_ln_vocab()
    {
        var lang = new MarkovLanguage(vocab: 6, order: 2, noise: 1.0, seed: 1);
        Assert.Equal(Math.Log(6), lang.EntropyRate, 1e-12);
        Assert.Equal(Math.Log(6), lang.UnigramEntropy, 1e-12);
    }

    [Fact]
    public void Sampled_text_costs_the_entropy_rate_per_token()
    {
        // Shannon–McMillan–Breiman: −(1/n) log P(x_1..x_n) → H. An independent check of Σ π(s) H(next | s).
        var lang = new MarkovLanguage(vocab: 8, order: 3, seed: 7);
        var windows = lang.SampleWindows(400, 200, new Random(5));
        var costs = new List<double>();
        foreach (var w in windows)
            for (int t = lang.Order; t < w.Length; t++) costs.Add(-Math.Log(lang.NextDistribution(lang.ContextOf(w, t))[w[t]]));
        double mean = costs.Average();
        double se = Math.Sqrt(costs.Sum(c => (c - mean) * (c - mean)) / (costs.Count - 1) / costs.Count);
        Assert.InRange(lang.EntropyRate, mean - 4 * se, mean + 4 * se);
        Assert.True(lang.EntropyRate < lang.UnigramEntropy - 0.5, "the context must matter: rate well below unigram entropy");
    }

    [Fact]
    public void Unigram_accuracy_is_how_often_the_most_frequent_token_is_the_likeliest()
    {
        // counted on sampled text: the most frequent token against the argmax of P(· | context)
        var lang = new MarkovLanguage(vocab: 8, order: 3, seed: 7);
        var f = lang.TokenFrequencies();
        int top = Array.IndexOf(f, f.Max());
        var windows = lang.SampleWindows(2000, 10, new Random(3));
        double share = windows.SelectMany(w => Enumerable.Range(lang.Order, w.Length - lang.Order)
            .Select(t => MarkovLanguage.ArgMax(lang.NextDistribution(lang.ContextOf(w, t))) == top ? 1.0 : 0.0)).Average();
        Assert.Equal(share, lang.UnigramAccuracy(), 0.01);
        Assert.InRange(lang.UnigramAccuracy(), 0.0, 0.5);
    }

    [Fact]
    public void Same_seed_same_language_and_windows()
    {
        var a = new MarkovLanguage(seed: 9);
        var b = new MarkovLanguage(seed: 9);
        Assert.Equal(a.EntropyRate, b.EntropyRate);
        Assert.Equal(a.SampleWindows(3, 10, new Random(1)), b.SampleWindows(3, 10, new Random(1)));
        Assert.NotEqual(a.EntropyRate, new MarkovLanguage(seed: 10).EntropyRate);
    }

    [Fact]
    public void Bad_shapes_are_refused_with_the_reason()
    {
        Assert.Contains("support 9", Assert.Throws<ArgumentException>(() => new MarkovLanguage(vocab: 8, support: 9)).Message);
        Assert.Contains("vocab^order", Assert.Throws<ArgumentException>(() => new MarkovLanguage(vocab: 64, order: 5)).Message);
    }
}
