using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;

namespace CourseWorkbook.Tokenization;

/// <summary>
/// Every tokenizer of the course, built with Microsoft.ML.Tokenizers: tiktoken (o200k / cl100k, from their data
/// packages), BERT WordPiece (vocab.txt or tokenizer.json), Llama SentencePiece (tokenizer.model), GPT-2 byte-level
/// BPE (vocab.json + merges.txt) — and each of them rebuilt from the vocabulary a GGUF file embeds.
/// </summary>
public static class Tokenizers
{
    /// <summary>GPT-2's pre-tokenizer split: contractions, letters, digits, other symbols, whitespace.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Qwen2's pre-tokenizer split (single digits, case-insensitive contractions).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
        + @"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// GPT-4o's tiktoken encoding. Its vocabulary ships in the package Microsoft.ML.Tokenizers.Data.O200kBase,
    /// which the caller (notebook or app) references; the library itself does not, so other notebooks need not.
    /// </summary>
    public static TiktokenTokenizer O200k() => Tiktoken("o200k_base", "Microsoft.ML.Tokenizers.Data.O200kBase");

    /// <summary>
    /// GPT-4's tiktoken encoding (vocabulary in the package Microsoft.ML.Tokenizers.Data.Cl100kBase).
    /// </summary>
    public static TiktokenTokenizer Cl100k() => Tiktoken("cl100k_base", "Microsoft.ML.Tokenizers.Data.Cl100kBase");

    static TiktokenTokenizer Tiktoken(string encoding, string dataPackage)
    {
        try { return TiktokenTokenizer.CreateForEncoding(encoding); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException($"the {encoding} vocabulary was not found: "
                + $"add #r \"nuget: {dataPackage}, 2.0.1\" to the notebook's first cell", e);
        }
    }

    /// <summary>
    /// BERT's basic tokenizer split: one token per punctuation character (Unicode P* and every ASCII symbol,
    /// as in Hugging Face's <c>_is_punctuation</c>), everything else up to whitespace or punctuation is one word.
    /// </summary>
    public const string BertBasicPattern = @"[\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]"
        + @"|[^\s\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E]+";

    /// <summary>
    /// Uncased BERT options (bert-base-uncased, MiniLM): lower-case, strip accents, split CJK characters, and
    /// split words like Hugging Face does (the library's default split drops symbols such as '=', '`' and emoji).
    /// </summary>
    public static BertOptions UncasedBertOptions(bool lowerCase = true)
    {
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase, ApplyBasicTokenization = true, RemoveNonSpacingMarks = lowerCase,
            IndividuallyTokenizeCjk = true, SplitOnSpecialTokens = true,
        };
        var specials = new[] { options.UnknownToken, options.SeparatorToken, options.PaddingToken,
            options.ClassificationToken, options.MaskingToken };
        // The pre-tokenizer sees normalised (lower-cased) text, so it must know the special tokens in that form; ids
        // are not used.
        var normalised = specials.Select((t, i) => (Key: lowerCase ? t.ToLowerInvariant() : t, i))
            .ToDictionary(p => p.Key, p => p.i);
        options.PreTokenizer = new RegexPreTokenizer(new Regex(BertBasicPattern, RegexOptions.Compiled), normalised);
        return options;
    }

    /// <summary>A BERT WordPiece tokenizer from a vocab.txt (one token per line, line number = id).</summary>
    public static BertTokenizer Bert(string vocabTxtPath, bool lowerCase = true)
    {
        return BertTokenizer.Create(vocabTxtPath, UncasedBertOptions(lowerCase));
    }

    /// <summary>A BERT WordPiece tokenizer from a Hugging Face tokenizer.json (model.type "WordPiece").</summary>
    public static BertTokenizer BertFromTokenizerJson(string tokenizerJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var model = doc.RootElement.GetProperty("model");
        if (model.GetProperty("type").GetString() != "WordPiece")
            throw new InvalidDataException(
                $"{tokenizerJsonPath}: model.type is {model.GetProperty("type")}, not WordPiece");
        var vocab = model.GetProperty("vocab").EnumerateObject().Select(p => (p.Name, Id: p.Value.GetInt32()))
            .OrderBy(p => p.Id).ToList();
        bool lower = true;
        if (doc.RootElement.TryGetProperty("normalizer", out var norm) && norm.ValueKind == JsonValueKind.Object
            && norm.TryGetProperty("lowercase", out var lc))
            lower = lc.GetBoolean();
        return BertTokenizer.Create(VocabStream(vocab.Select(v => v.Name)), UncasedBertOptions(lower));
    }

    /// <summary>A Llama SentencePiece tokenizer from a tokenizer.model file (no BOS added by default).</summary>
    public static SentencePieceTokenizer LlamaSentencePiece(string tokenizerModelPath, bool addBos = false)
    {
        using var s = File.OpenRead(tokenizerModelPath);
        return LlamaTokenizer.Create(s, addBeginOfSentence: addBos, addEndOfSentence: false);
    }

    /// <summary>A GPT-2 byte-level BPE tokenizer from vocab.json and merges.txt.</summary>
    public static BpeTokenizer Gpt2(string vocabJsonPath, string mergesTxtPath, string pattern = Gpt2Pattern)
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabJsonPath))
                    ?? throw new InvalidDataException($"{vocabJsonPath}: empty vocabulary");
        var merges = File.ReadLines(mergesTxtPath)
            .Where(l => l.Length > 0 && !l.StartsWith("#version", StringComparison.Ordinal));
        return ByteLevelBpe(vocab, merges, pattern);
    }

    /// <summary>
    /// A byte-level BPE tokenizer (GPT-2, Qwen2) from a vocabulary, ranked merges ("a b") and a pre-tokenizer regex.
    /// </summary>
    public static BpeTokenizer ByteLevelBpe(IReadOnlyDictionary<string, int> vocab, IEnumerable<string> merges,
        string pattern, IReadOnlyDictionary<string, int>? specialTokens = null)
    {
        specialTokens ??= vocab
            .Where(kv => kv.Key.StartsWith("<|", StringComparison.Ordinal)
                && kv.Key.EndsWith("|>", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        return BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            SpecialTokens = specialTokens,
            PreTokenizer = new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), specialTokens),
        });
    }

    /// <summary>Builds the tokenizer a GGUF file embeds (tokenizer.ggml.model = llama, gpt2 or bert).</summary>
    public static Tokenizer FromGguf(GgufFile gguf)
    {
        string model = gguf.GetOrDefault("tokenizer.ggml.model", "");
        var tokens = gguf.TryGet("tokenizer.ggml.tokens", out var t) && t is string[] s ? s
            : throw new InvalidDataException($"{gguf.Path}: no tokenizer.ggml.tokens array");
        return model switch
        {
            "llama" => SentencePieceFromGguf(gguf, tokens),
            "gpt2" => Gpt2FromGguf(gguf, tokens),
            "bert" => BertFromGguf(gguf, tokens),
            _ => throw new NotSupportedException(
                $"{gguf.Path}: tokenizer.ggml.model '{model}' is not supported (llama, gpt2, bert are)"),
        };
    }

    static SentencePieceTokenizer SentencePieceFromGguf(GgufFile gguf, string[] tokens)
    {
        var scores = gguf.TryGet("tokenizer.ggml.scores", out var sc) && sc is float[] f ? f : new float[tokens.Length];
        var types = gguf.TryGet("tokenizer.ggml.token_type", out var ty) && ty is int[] ti
            ? ti.Select(x => x is >= 1 and <= 6 ? (PieceType)x : PieceType.Normal).ToArray()
            : tokens.Select(_ => PieceType.Normal).ToArray();
        int unk = (int)gguf.GetOrDefault("tokenizer.ggml.unknown_token_id", 0u);
        int bos = (int)gguf.GetOrDefault("tokenizer.ggml.bos_token_id", 1u);
        int eos = (int)gguf.GetOrDefault("tokenizer.ggml.eos_token_id", 2u);
        bool dummyPrefix = gguf.GetOrDefault("tokenizer.ggml.add_space_prefix", true);
        var proto = SentencePieceModelWriter.Write(tokens, scores, types, unk, bos, eos,
            byteFallback: types.Contains(PieceType.Byte), addDummyPrefix: dummyPrefix, removeExtraWhitespaces: false);
        using var stream = new MemoryStream(proto);
        return LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
    }

    static BpeTokenizer Gpt2FromGguf(GgufFile gguf, string[] tokens)
    {
        var merges = gguf.TryGet("tokenizer.ggml.merges", out var m) && m is string[] ms ? ms
            : throw new InvalidDataException($"{gguf.Path}: a gpt2 tokenizer needs tokenizer.ggml.merges");
        string pre = gguf.GetOrDefault("tokenizer.ggml.pre", "gpt-2");
        var vocab = new Dictionary<string, int>(tokens.Length);
        for (int i = 0; i < tokens.Length; i++) vocab.TryAdd(tokens[i], i);
        var types = gguf.TryGet("tokenizer.ggml.token_type", out var ty) && ty is int[] ti ? ti : null;
        var special = new Dictionary<string, int>();
        if (types is not null)
            for (int i = 0; i < tokens.Length; i++)
                if (types[i] is (int)PieceType.Control or (int)PieceType.UserDefined) special[tokens[i]] = i;
        return ByteLevelBpe(vocab, merges, pre == "qwen2" ? Qwen2Pattern : Gpt2Pattern, special);
    }

    static BertTokenizer BertFromGguf(GgufFile gguf, string[] tokens)
    {
        // llama.cpp stores WordPiece with a "phantom space": word-initial pieces get a '▁' prefix and '##' is dropped
        // from continuation pieces; [CLS]-style tokens stay as they are. Undo it to get vocab.txt back.
        static string Restore(string tok) =>
            tok.StartsWith('[') && tok.EndsWith(']') ? tok
            : tok.StartsWith('\u2581') ? tok[1..]
            : "##" + tok;
        return BertTokenizer.Create(VocabStream(tokens.Select(Restore)), UncasedBertOptions());
    }

    static MemoryStream VocabStream(IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l).Append('\n');
        return new MemoryStream(Encoding.UTF8.GetBytes(sb.ToString()));
    }

    /// <summary>Token ids of <paramref name="text"/> without BOS/CLS/SEP, whatever the tokenizer kind.</summary>
    public static IReadOnlyList<int> EncodePlain(this Tokenizer tokenizer, string text) => tokenizer switch
    {
        BertTokenizer bert => bert.EncodeToIds(text, addSpecialTokens: false),
        SentencePieceTokenizer sp => sp.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false),
        _ => tokenizer.EncodeToIds(text),
    };
}
