using Microsoft.ML.Tokenizers;
using CourseWorkbook.Tokenization;

namespace CourseWorkbook.Data;

/// <summary>The children's-story sentences written for practical 07 (data/training/stories.txt), and their
/// tokenization for a causal LM: BOS, the sentence's tokens, EOS — truncated without losing the EOS.</summary>
public static class StoryCorpus
{
    /// <summary>The corpus file's name in data/training.</summary>
    public const string FileName = "stories.txt";

    /// <summary>The sentences, one per non-empty line, in file order.</summary>
    public static IReadOnlyList<string> Sentences(string? folder = null)
    {
        folder ??= Folder() ?? throw new DirectoryNotFoundException(
            $"data/training/{FileName} not found above the notebook, the library or the current directory");
        return File.ReadLines(Path.Combine(folder, FileName)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }

    /// <summary>BOS + tokens + EOS, cut to at most <paramref name="maxLength"/> tokens by dropping sentence tokens, so
    /// that every sequence still ends with EOS and the model learns where a text stops.</summary>
    public static long[] Encode(Tokenizer tokenizer, string text, int maxLength, int bosId, int eosId)
    {
        if (maxLength < 2) throw new ArgumentOutOfRangeException(nameof(maxLength), "room is needed for BOS and EOS");
        var body = tokenizer.EncodePlain(text).Take(maxLength - 2).Select(i => (long)i);
        return [bosId, .. body, eosId];
    }

    /// <summary>The first data/training folder holding the corpus, walking up from the notebook, the library and the
    /// current directory; null when there is none.</summary>
    public static string? Folder() => Runtime.WorkbookPaths.DataFolder("training", FileName);
}
