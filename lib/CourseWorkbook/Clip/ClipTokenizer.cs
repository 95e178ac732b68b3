using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Clip;

/// <summary>
/// CLIP's byte-pair-encoding tokenizer, written from the algorithm of OpenAI's simple_tokenizer: HTML entities
/// decoded, whitespace collapsed, lower-cased; split into words, numbers (one digit each) and runs of symbols; each
/// piece's UTF-8 bytes mapped to printable characters (GPT-2's byte-to-unicode table) and its last symbol marked
/// with &lt;/w&gt; (end of word); then the merges applied, the lowest-ranked adjacent pair first, until none applies.
/// The vocabulary is 256 byte symbols, the same 256 with &lt;/w&gt;, one token per merge, then
/// &lt;|startoftext|&gt; and &lt;|endoftext|&gt; (49,408 tokens for OpenAI's 48,894 merges). ftfy's repair of broken
/// Unicode, which the original runs first, is not reproduced.
/// </summary>
public sealed partial class ClipTokenizer
{
    /// <summary>The start and end tokens.</summary>
    public const string StartOfText = "<|startoftext|>", EndOfText = "<|endoftext|>";

    /// <summary>The end-of-word mark.</summary>
    public const string EndOfWord = "</w>";

    readonly Dictionary<string, int> encoder;
    readonly string[] decoder;
    readonly Dictionary<(string, string), int> ranks;
    readonly (string Left, string Right)[] mergeList;
    readonly Dictionary<string, string[]> cache = new();

    /// <summary>A tokenizer from a vocabulary (token → id) and the ranked merges (pairs of symbols).</summary>
    public ClipTokenizer(IReadOnlyDictionary<string, int> vocabulary, IReadOnlyList<(string Left, string Right)> merges)
    {
        encoder = new Dictionary<string, int>(vocabulary);
        decoder = new string[encoder.Count == 0 ? 0 : encoder.Values.Max() + 1];
        foreach (var (token, id) in encoder)
        {
            if (id < 0) throw new ArgumentException($"token '{token}' has a negative id {id}");
            decoder[id] = token;
        }
        ranks = new Dictionary<(string, string), int>();
        for (int i = 0; i < merges.Count; i++) ranks.TryAdd(merges[i], i);
        mergeList = merges.ToArray();
        foreach (var special in new[] { StartOfText, EndOfText })
            if (!encoder.ContainsKey(special)) throw new ArgumentException($"the vocabulary has no {special}");
        StartId = encoder[StartOfText];
        EndId = encoder[EndOfText];
    }

    /// <summary>Id of &lt;|startoftext|&gt; (49406 in OpenAI's vocabulary).</summary>
    public int StartId { get; }

    /// <summary>Id of &lt;|endoftext|&gt; (49407), also the padding token of HF's CLIP tokenizer.</summary>
    public int EndId { get; }

    /// <summary>Number of tokens.</summary>
    public int VocabSize => encoder.Count;

    /// <summary>Writes the tokenizer in Hugging Face's layout, <c>vocab.json</c> (token → id, in id order) and
    /// <c>merges.txt</c> (a "#version" line, then one merge a line in rank order), each atomically, so that
    /// <see cref="FromFiles"/> reads back the same tokenizer.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var vocab = encoder.OrderBy(e => e.Value).ToDictionary(e => e.Key, e => e.Value);
        var json = JsonSerializer.Serialize(vocab, new JsonSerializerOptions
            { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        Runtime.AtomicFile.WriteAllText(Path.Combine(folder, "vocab.json"), json);
        var merges = mergeList.Select(m => $"{m.Left} {m.Right}").Prepend("#version: 0.2");
        Runtime.AtomicFile.WriteAllText(Path.Combine(folder, "merges.txt"), string.Join("\n", merges) + "\n");
    }

    /// <summary>Reads a Hugging Face vocab.json and merges.txt (first line "#version..." skipped). Errors name the
    /// file and line.</summary>
    public static ClipTokenizer FromFiles(string vocabJson, string mergesTxt)
    {
        Dictionary<string, int> vocab;
        try { vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabJson)) ?? []; }
        catch (JsonException e) { throw new InvalidDataException($"{vocabJson}: {e.Message}", e); }
        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(mergesTxt))
        {
            lineNumber++;
            if (line.StartsWith("#version") || line.Length == 0) continue;
            var parts = line.Split(' ');
            if (parts.Length != 2)
                throw new InvalidDataException($"{mergesTxt}({lineNumber}): expected two symbols, got '{line}'");
            merges.Add((parts[0], parts[1]));
        }
        return new ClipTokenizer(vocab, merges);
    }

    /// <summary>The vocabulary CLIP's layout gives to a list of merges: bytes, bytes + &lt;/w&gt;, one token per merge,
    /// the two special tokens (the end token gets the largest id).</summary>
    public static ClipTokenizer FromMerges(IReadOnlyList<(string Left, string Right)> merges)
    {
        var symbols = ByteSymbolsInOrder.Select(c => c.ToString()).ToList();
        var tokens = symbols.Concat(symbols.Select(s => s + EndOfWord)).Concat(merges.Select(m => m.Left + m.Right))
            .Append(StartOfText).Append(EndOfText).ToList();
        var vocab = new Dictionary<string, int>();
        foreach (var t in tokens) vocab.TryAdd(t, vocab.Count);
        return new ClipTokenizer(vocab, merges);
    }

    /// <summary>Merges that spell each word whole: for each word in turn, the first two pieces the merges so far
    /// leave are joined by a new merge, until the word is one token (w + o, wo + r, wor + d&lt;/w&gt;). New merges
    /// rank after the old ones, so a word already whole stays whole. A small vocabulary in CLIP's format for a world
    /// of known words; other words fall back to shorter pieces, down to bytes.</summary>
    public static IReadOnlyList<(string Left, string Right)> MergesForWords(IEnumerable<string> words)
    {
        var merges = new List<(string, string)>();
        var ranks = new Dictionary<(string, string), int>();
        foreach (var word in words)
            for (var pieces = Merge(Symbols(word.ToLowerInvariant()), ranks); pieces.Length > 1;
                 pieces = Merge(Symbols(word.ToLowerInvariant()), ranks))
            {
                ranks[(pieces[0], pieces[1])] = merges.Count;
                merges.Add((pieces[0], pieces[1]));
            }
        return merges;
    }

    /// <summary>The text after CLIP's cleaning: HTML entities decoded (twice, as the original does), whitespace runs
    /// collapsed to one space, trimmed, lower-cased.</summary>
    public static string Clean(string text) =>
        Whitespace().Replace(WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)), " ").Trim().ToLowerInvariant();

    /// <summary>The pieces the pre-tokenizer splits the cleaned text into.</summary>
    public static IEnumerable<string> PreTokenize(string text) => Pattern().Matches(Clean(text)).Select(m => m.Value);

    /// <summary>The BPE tokens of the text (no start/end tokens).</summary>
    public IReadOnlyList<string> Tokenize(string text) => PreTokenize(text).SelectMany(Bpe).ToList();

    /// <summary>Ids of the text, no start/end tokens; a symbol outside the vocabulary throws.</summary>
    public int[] EncodeIds(string text) => Tokenize(text).Select(t => encoder.TryGetValue(t, out var id) ? id
        : throw new InvalidDataException($"token '{t}' of \"{text}\" is not in the vocabulary")).ToArray();

    /// <summary>&lt;|startoftext|&gt; ids &lt;|endoftext|&gt;, truncated to <paramref name="contextLength"/> (the end
    /// token kept) and padded with <paramref name="padId"/> (default: the end token, as HF's CLIP tokenizer does) to
    /// exactly that length; also the attention mask (1 for tokens, 0 for padding).</summary>
    public (long[] Ids, long[] Mask) Encode(string text, int contextLength = 77, int? padId = null)
    {
        var body = EncodeIds(text);
        var ids = new List<long> { StartId };
        ids.AddRange(body.Take(Math.Max(0, contextLength - 2)).Select(i => (long)i));
        ids.Add(EndId);
        var mask = Enumerable.Repeat(1L, ids.Count).ToList();
        while (ids.Count < contextLength) { ids.Add(padId ?? EndId); mask.Add(0); }
        return (ids.ToArray(), mask.ToArray());
    }

    /// <summary>A batch: ids [B, context] and mask [B, context] as flat arrays, row by row.</summary>
    public (long[] Ids, long[] Mask) EncodeBatch(IReadOnlyList<string> texts, int contextLength = 77)
    {
        var rows = texts.Select(t => Encode(t, contextLength)).ToList();
        return (rows.SelectMany(r => r.Ids).ToArray(), rows.SelectMany(r => r.Mask).ToArray());
    }

    /// <summary>Text back from ids: tokens joined, &lt;/w&gt; read as a space, bytes decoded as UTF-8.</summary>
    public string Decode(IEnumerable<long> ids)
    {
        var text = string.Concat(ids.Where(i => i >= 0 && i < decoder.Length && decoder[i] is not null)
            .Select(i => decoder[i]).Where(t => t is not StartOfText and not EndOfText));
        var bytes = text.Replace(EndOfWord, " ")
            .Select(c => c == ' ' ? (byte)' ' : UnicodeToByte.TryGetValue(c, out var b) ? b : (byte)'?');
        return Encoding.UTF8.GetString(bytes.ToArray()).Trim();
    }

    string[] Bpe(string piece)
    {
        if (piece is StartOfText or EndOfText) return [piece];
        if (cache.TryGetValue(piece, out var cached)) return cached;
        return cache[piece] = Merge(Symbols(piece), ranks);
    }

    /// <summary>BPE: while some adjacent pair is a merge, join every occurrence of the lowest-ranked one.</summary>
    static string[] Merge(string[] symbols, IReadOnlyDictionary<(string, string), int> ranks)
    {
        var word = symbols.ToList();
        while (word.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i + 1 < word.Count; i++)
                if (ranks.TryGetValue((word[i], word[i + 1]), out var r) && r < bestRank) { bestRank = r; best = i; }
            if (best < 0) break;
            var (left, right) = (word[best], word[best + 1]);
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == left && word[i + 1] == right) { merged.Add(left + right); i++; }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        return word.ToArray();
    }

    /// <summary>A piece as byte symbols, the last one marked &lt;/w&gt;.</summary>
    static string[] Symbols(string piece)
    {
        var symbols = Encoding.UTF8.GetBytes(piece).Select(b => ByteToUnicode[b].ToString()).ToArray();
        symbols[^1] += EndOfWord;
        return symbols;
    }

    /// <summary>GPT-2's table: printable bytes map to themselves, the other 68 bytes to characters 256, 257, ...,
    /// so that every byte is a visible character and a BPE symbol never contains whitespace or control codes.</summary>
    public static IReadOnlyList<char> ByteToUnicode { get; } = BuildByteTable();

    static readonly Dictionary<char, byte> UnicodeToByte =
        Enumerable.Range(0, 256).ToDictionary(b => BuildByteTable()[b], b => (byte)b);

    /// <summary>The byte symbols in vocabulary order (printable ranges first), as the original lists them.</summary>
    public static IReadOnlyList<char> ByteSymbolsInOrder { get; } = BuildOrder();

    static char[] BuildByteTable()
    {
        var table = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
            table[b] = IsPrintable(b) ? (char)b : (char)(256 + extra++);
        return table;
    }

    static char[] BuildOrder()
    {
        var table = BuildByteTable();
        return Enumerable.Range(0, 256).Where(IsPrintable).Concat(Enumerable.Range(0, 256).Where(b => !IsPrintable(b)))
            .Select(b => table[b]).ToArray();
    }

    static bool IsPrintable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+",
        RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
