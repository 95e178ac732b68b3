using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Retrieval;

/// <summary>How <see cref="FrenchTokenizer"/> normalises words.</summary>
/// <param name="StripAccents">é → e, œ → oe: a question typed without accents still matches.</param>
/// <param name="RemoveStopwords">Drop function words and question words (le, de, quel, combien...).</param>
/// <param name="LightStemming">Drop a plural s/x, the suffixes -ation/-ement, and up to two final e (inondations,
/// inondées → inond).</param>
public sealed record FrenchTokenizerOptions(bool StripAccents = true, bool RemoveStopwords = true,
    bool LightStemming = true);

/// <summary>
/// A small French word tokenizer for lexical retrieval: lower-case, elision removed (l', d', qu', jusqu'...),
/// hyphenated words split, decimals kept (2,6), optional accent stripping, stopwords and light stemming.
/// </summary>
public sealed partial class FrenchTokenizer(FrenchTokenizerOptions? options = null)
{
    /// <summary>The options in use.</summary>
    public FrenchTokenizerOptions Options { get; } = options ?? new();

    /// <summary>The tokenizer with every option on.</summary>
    public static FrenchTokenizer Default { get; } = new();

    /// <summary>The words of the text, normalised, in order (duplicates kept: BM25 counts them).</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach (var raw in Words(text))
        {
            var word = Options.StripAccents ? RemoveAccents(raw) : raw;
            if (Options.RemoveStopwords && IsStopword(raw)) continue;
            tokens.Add(Options.LightStemming ? Stem(word) : word);
        }
        return tokens;
    }

    /// <summary>
    /// Lower-cased words with elision removed and hyphens split, before accent stripping, stopwords and stemming.
    /// </summary>
    public static IEnumerable<string> Words(string text)
    {
        var lower = text.ToLowerInvariant().Replace('’', '\'').Replace('ʼ', '\'');
        foreach (Match m in WordPattern().Matches(lower))
        {
            var word = m.Value;
            var apostrophe = word.IndexOf('\'');
            if (apostrophe > 0)
            {
                var prefix = word[..apostrophe];
                if (Elisions.Contains(prefix)) word = word[(apostrophe + 1)..];
                else if (word != "aujourd'hui")
                {
                    yield return prefix;
                    word = word[(apostrophe + 1)..];
                }
            }
            if (word.Length > 0) yield return word;
        }
    }

    /// <summary>Removes diacritics (é → e, ç → c) and splits the ligatures œ and æ.</summary>
    public static string RemoveAccents(string word)
    {
        var decomposed = word.Replace("œ", "oe").Replace("æ", "ae").Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// Light French stemming for words of 5 letters or more: plural s/x, then the noun suffixes -ation and -ement
    /// when 4 letters remain, then up to two final e/é. So inondation, inondations, inondée and inondé all give
    /// « inond », débordement and débordé « débord ».
    /// </summary>
    public static string Stem(string word)
    {
        if (word.Length < 5 || char.IsDigit(word[0])) return word;
        var end = word.Length;
        if (word[end - 1] is 's' or 'x') end--;
        foreach (var suffix in NounSuffixes)
            if (end - suffix.Length >= 4 && word.AsSpan(0, end).EndsWith(suffix, StringComparison.Ordinal))
            {
                end -= suffix.Length;
                break;
            }
        for (var i = 0; i < 2 && end > 4 && word[end - 1] is 'e' or 'é'; i++) end--;
        return word[..end];
    }

    private static readonly string[] NounSuffixes = ["ation", "ement"];

    /// <summary>
    /// Whether a lower-case word is a stopword, with or without its accents (« a », « été », « ete »).
    /// </summary>
    public static bool IsStopword(string word) =>
        Stopwords.Contains(word) || StopwordsWithoutAccents.Contains(RemoveAccents(word));

    /// <summary>Elided articles and pronouns dropped with their apostrophe (l'eau → eau).</summary>
    public static IReadOnlySet<string> Elisions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
    };

    /// <summary>
    /// The French stopwords dropped (accent-free forms are matched too):
    /// articles, prepositions, pronouns, auxiliaries, question words.
    /// </summary>
    public static IReadOnlySet<string> Stopwords { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "le", "la", "les", "un", "une", "des", "du", "de", "au", "aux", "à", "a", "en", "et", "ou", "où",
        "mais", "donc", "or", "ni", "car",
        "ce", "cet", "cette", "ces", "se", "sa", "son", "ses", "sur", "sous", "dans", "par", "pour",
        "avec", "sans", "chez", "vers", "entre",
        "leur", "leurs", "mon", "ma", "mes", "ton", "ta", "tes", "notre", "nos", "votre", "vos", "lui", "eux", "y",
        "il", "elle", "ils", "elles", "on", "nous", "vous", "je", "tu", "me", "te", "moi", "toi",
        "ne", "pas", "plus", "que", "qui", "quoi", "dont",
        "est", "sont", "été", "être", "était", "ont", "avait", "avaient", "fait", "t", "ça", "cela", "ceci",
        "quel", "quelle", "quels", "quelles", "lequel", "laquelle",
        "combien", "comment", "quand", "pourquoi", "qu", "est-ce",
    };

    private static readonly HashSet<string> StopwordsWithoutAccents = Stopwords.Select(RemoveAccents)
        .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\d+(?:[.,]\d+)*|[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
