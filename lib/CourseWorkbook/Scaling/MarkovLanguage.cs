using MathNet.Numerics.Distributions;

namespace CourseWorkbook.Scaling;

/// <summary>
/// A synthetic language whose entropy rate is known exactly: a random order-<see cref="Order"/> Markov chain over
/// <see cref="Vocab"/> tokens. Each context (the last k tokens) allows a few next tokens with Dirichlet weights, mixed
/// with a little uniform noise so that every context can follow every other (the chain is ergodic). The entropy rate
/// is H = Σ_s π(s)·H(next | s) in nats per token, π the stationary distribution of the contexts: the loss no model can
/// beat, the irreducible E of a scaling law.
/// </summary>
public sealed class MarkovLanguage
{
    readonly double[][] next;   // next[context][token] = P(token | context)

    /// <summary>Draws a random language from <paramref name="seed"/>: <paramref name="support"/> allowed next tokens
    /// per context with Dirichlet(<paramref name="concentration"/>) weights, mixed with <paramref name="noise"/>
    /// of the uniform distribution.</summary>
    public MarkovLanguage(int vocab = 8, int order = 3, int support = 3, double concentration = 1.0,
        double noise = 0.02, int seed = 7)
    {
        if (vocab < 2 || order < 1 || Math.Pow(vocab, order) > 1 << 20)
            throw new ArgumentException(
                $"vocab {vocab} and order {order}: need vocab ≥ 2, order ≥ 1, vocab^order ≤ 2^20");
        if (support < 1 || support > vocab) throw new ArgumentException($"support {support} must be in 1..{vocab}");
        Vocab = vocab;
        Order = order;
        Seed = seed;
        Contexts = (int)Math.Pow(vocab, order);
        var random = new Random(seed);
        next = new double[Contexts][];
        for (int s = 0; s < Contexts; s++)
        {
            var row = new double[vocab];
            var allowed = Enumerable.Range(0, vocab).OrderBy(_ => random.Next()).Take(support).ToArray();
            var weights = allowed.Select(_ => Gamma.Sample(random, concentration, 1.0)).ToArray();
            double total = weights.Sum();
            for (int i = 0; i < support; i++) row[allowed[i]] = weights[i] / total;
            for (int t = 0; t < vocab; t++) row[t] = (1 - noise) * row[t] + noise / vocab;
            next[s] = row;
        }
        Stationary = ComputeStationary();
        EntropyRate = Enumerable.Range(0, Contexts).Sum(s => Stationary[s] * Entropy(next[s]));
        UnigramEntropy = Entropy(TokenFrequencies());
    }

    /// <summary>Number of tokens.</summary>
    public int Vocab { get; }
    /// <summary>How many previous tokens the next one depends on.</summary>
    public int Order { get; }
    /// <summary>The seed the language was drawn from.</summary>
    public int Seed { get; }
    /// <summary>Number of contexts, Vocab^Order.</summary>
    public int Contexts { get; }
    /// <summary>π: the stationary probability of each context (index = the last k tokens in base Vocab, oldest
    /// first).</summary>
    public double[] Stationary { get; }
    /// <summary>The exact entropy rate in nats per token: the best loss any model can reach.</summary>
    public double EntropyRate { get; }
    /// <summary>The entropy of single tokens (nats): the loss of a model that ignores the context.</summary>
    public double UnigramEntropy { get; }

    /// <summary>P(token | context).</summary>
    public IReadOnlyList<double> NextDistribution(int context) => next[context];

    /// <summary>The context index after <paramref name="token"/> follows <paramref name="context"/>.</summary>
    public int Shift(int context, int token) => context % (Contexts / Vocab) * Vocab + token;

    /// <summary>The context index of the last <see cref="Order"/> tokens of <paramref name="tokens"/> ending at
    /// <paramref name="end"/> (exclusive).</summary>
    public int ContextOf(IReadOnlyList<int> tokens, int end)
    {
        int c = 0;
        for (int i = end - Order; i < end; i++) c = c * Vocab + tokens[i];
        return c;
    }

    /// <summary>Samples <paramref name="count"/> independent windows of <paramref name="length"/> tokens, each starting
    /// from a context drawn from π (so every window is a piece of the stationary stream).</summary>
    public int[][] SampleWindows(int count, int length, Random random)
    {
        var cumulative = new double[Contexts];
        double run = 0;
        for (int s = 0; s < Contexts; s++) cumulative[s] = run += Stationary[s];
        var windows = new int[count][];
        for (int w = 0; w < count; w++)
        {
            int context = Math.Min(Contexts - 1, LowerBound(cumulative, random.NextDouble() * run));
            var tokens = new int[length];
            for (int i = 0; i < length; i++)
            {
                // the first Order tokens spell the starting context; then the chain runs
                int token = i < Order ? Digit(context, i) : Draw(next[context], random);
                if (i >= Order) context = Shift(context, token);
                tokens[i] = token;
            }
            windows[w] = tokens;
        }
        return windows;
    }

    /// <summary>The frequency of each token under π.</summary>
    public double[] TokenFrequencies()
    {
        var f = new double[Vocab];
        for (int s = 0; s < Contexts; s++)
            for (int t = 0; t < Vocab; t++) f[t] += Stationary[s] * next[s][t];
        return f;
    }

    /// <summary>The top-1 accuracy of a model that ignores the context and always names the most frequent token:
    /// the share (under π) of contexts whose likeliest next token is that one.</summary>
    public double UnigramAccuracy()
    {
        var f = TokenFrequencies();
        int top = Array.IndexOf(f, f.Max());
        return Enumerable.Range(0, Contexts).Where(s => ArgMax(next[s]) == top).Sum(s => Stationary[s]);
    }

    /// <summary>The index of the largest value (the first, on ties).</summary>
    public static int ArgMax(IReadOnlyList<double> p)
    {
        int best = 0;
        for (int i = 1; i < p.Count; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    /// <summary>Entropy in nats of a distribution.</summary>
    public static double Entropy(IReadOnlyList<double> p) => -p.Where(x => x > 0).Sum(x => x * Math.Log(x));

    int Digit(int context, int position) => context / (int)Math.Pow(Vocab, Order - 1 - position) % Vocab;

    static int Draw(double[] p, Random random)
    {
        double u = random.NextDouble(), run = 0;
        for (int t = 0; t < p.Length; t++)
            if (u < (run += p[t])) return t;
        return p.Length - 1;
    }

    static int LowerBound(double[] cumulative, double u)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (cumulative[mid] > u) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    /// <summary>Power iteration on the chain of contexts until π stops changing (the uniform noise makes it ergodic
    /// and aperiodic, so it converges).</summary>
    double[] ComputeStationary()
    {
        var pi = Enumerable.Repeat(1.0 / Contexts, Contexts).ToArray();
        for (int iteration = 0; iteration < 100_000; iteration++)
        {
            var nextPi = new double[Contexts];
            for (int s = 0; s < Contexts; s++)
                for (int t = 0; t < Vocab; t++) nextPi[Shift(s, t)] += pi[s] * next[s][t];
            double change = 0;
            for (int s = 0; s < Contexts; s++) change += Math.Abs(nextPi[s] - pi[s]);
            pi = nextPi;
            if (change < 1e-14) return pi;
        }
        throw new InvalidOperationException("the stationary distribution did not converge in 100,000 iterations");
    }
}
