using System.Text;
using Microsoft.ML.Tokenizers;

namespace CourseWorkbook.Tokenization;

/// <summary>
/// One llama.cpp tokenizer test case: an input string and the ids it must encode to (no BOS/CLS added).
/// </summary>
public sealed record TokenizerTestVector(int Index, string Text, int[] ExpectedIds);

/// <summary>The outcome of running a tokenizer over test vectors.</summary>
public sealed record TokenizerTestReport(string Name, int Passed, int Total,
    IReadOnlyList<TokenizerTestFailure> Failures)
{
    /// <summary>"name: passed/total".</summary>
    public override string ToString() => $"{Name}: {Passed}/{Total}";
}

/// <summary>A failed vector: what was expected and what the tokenizer produced.</summary>
public sealed record TokenizerTestFailure(int Index, string Text, int[] Expected, int[] Actual);

/// <summary>llama.cpp's test-tokenizer-0 vectors: <c>.inp</c> holds strings separated by "\n__ggml_vocab_test__\n",
/// <c>.out</c> one line of space-separated ids per string.</summary>
public static class TokenizerTestVectors
{
    const string Separator = "\n__ggml_vocab_test__\n";

    /// <summary>
    /// Reads the pair <paramref name="inpPath"/> / <paramref name="outPath"/> (out defaults to inp with .out).
    /// </summary>
    public static IReadOnlyList<TokenizerTestVector> Load(string inpPath, string? outPath = null)
    {
        outPath ??= Path.ChangeExtension(inpPath, ".out");
        string all = File.ReadAllText(inpPath, Encoding.UTF8);
        var texts = new List<string>();
        for (int pos = 0; ;)
        {
            int next = all.IndexOf(Separator, pos, StringComparison.Ordinal);
            if (next < 0) break;
            texts.Add(all[pos..next]);
            pos = next + Separator.Length;
        }
        var lines = File.ReadAllLines(outPath);
        if (lines.Length != texts.Count)
            throw new InvalidDataException(
                $"{outPath}: {lines.Length} id lines for {texts.Count} test strings in {inpPath}");
        return texts.Select((t, i) => new TokenizerTestVector(i, t,
            lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray())).ToList();
    }

    /// <summary>Encodes every vector with <paramref name="tokenizer"/> (no special tokens) and compares.</summary>
    public static TokenizerTestReport Run(string name, Tokenizer tokenizer, IReadOnlyList<TokenizerTestVector> vectors)
    {
        var failures = new List<TokenizerTestFailure>();
        foreach (var v in vectors)
        {
            int[] actual;
            try { actual = tokenizer.EncodePlain(v.Text).ToArray(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { actual = []; }
            if (!actual.SequenceEqual(v.ExpectedIds))
                failures.Add(new TokenizerTestFailure(v.Index, v.Text, v.ExpectedIds, actual));
        }
        return new TokenizerTestReport(name, vectors.Count - failures.Count, vectors.Count, failures);
    }
}
