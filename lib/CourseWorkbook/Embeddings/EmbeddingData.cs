using System.Text.Json;
using System.Text.Json.Serialization;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// A sentence that shares most words with a group's sentence but means something else ("The man bit the dog").
/// </summary>
/// <param name="Text">The sentence.</param>
/// <param name="Imitates">Index, in its group's <see cref="ParaphraseGroup.Sentences"/>, of the sentence it
/// imitates.</param>
/// <param name="Kind">How it differs: "role swap", "negation", "antonym", "quantifier", "time", "modality", ...</param>
public sealed record HardNegative(string Text, int Imitates, string Kind);

/// <summary>Sentences that all say the same thing in different words, plus near-misses that do not.</summary>
/// <param name="Id">Group number, also the key of the held-out rule: every fifth of the original groups (Id &lt; 65 and
/// Id % 5 == 4) is held out; groups added later (Id &gt;= 65) are all training groups.</param>
/// <param name="Split">"train" or "test" (held out: no training step may see it).</param>
/// <param name="Theme">A word or two on what the group is about.</param>
/// <param name="Sentences">3 to 5 paraphrases.</param>
/// <param name="HardNegatives">Non-paraphrases built from one of the sentences.</param>
public sealed record ParaphraseGroup(int Id, string Split, string Theme, IReadOnlyList<string> Sentences,
    IReadOnlyList<HardNegative> HardNegatives);

/// <summary>One sentence of the paraphrase set, flattened for embedding: its text and where it came from.</summary>
/// <param name="Text">The sentence.</param>
/// <param name="Group">The group it paraphrases (a hard negative: the group it imitates).</param>
/// <param name="IsHardNegative">True for a hard negative, which does <em>not</em> mean what its group means.</param>
public sealed record ParaphraseItem(string Text, int Group, bool IsHardNegative);

/// <summary>The paraphrase groups of practical 02 with their train / held-out split.</summary>
public sealed record ParaphraseSet(IReadOnlyList<ParaphraseGroup> Groups)
{
    /// <summary>The training groups.</summary>
    public IReadOnlyList<ParaphraseGroup> Train => Groups.Where(g => g.Split == EmbeddingData.TrainSplit).ToArray();

    /// <summary>The held-out groups, for evaluation only.</summary>
    public IReadOnlyList<ParaphraseGroup> HeldOut => Groups.Where(g => g.Split == EmbeddingData.TestSplit).ToArray();

    /// <summary>
    /// Every sentence of the given groups (all groups if null), paraphrases first in group order, then hard negatives.
    /// </summary>
    public IReadOnlyList<ParaphraseItem> Items(IEnumerable<ParaphraseGroup>? groups = null,
        bool includeHardNegatives = true)
    {
        var chosen = (groups ?? Groups).ToArray();
        var items = chosen.SelectMany(g => g.Sentences.Select(s => new ParaphraseItem(s, g.Id, false))).ToList();
        if (includeHardNegatives)
            items.AddRange(chosen.SelectMany(g => g.HardNegatives.Select(h => new ParaphraseItem(h.Text, g.Id, true))));
        return items;
    }
}

/// <summary>A news headline of the topic corpus (in the spirit of AG News, written for the workbook).</summary>
/// <param name="Id">Line number in the file.</param>
/// <param name="Text">The headline.</param>
/// <param name="Topic">"world", "sports", "business" or "sci/tech".</param>
/// <param name="Label">Index of the topic in <see cref="TopicCorpus.Topics"/>.</param>
/// <param name="Split">"train" or "test" (held out).</param>
public sealed record Headline(int Id, string Text, string Topic, int Label, string Split);

/// <summary>The topic corpus: headlines in four classes, with a held-out split.</summary>
public sealed record TopicCorpus(IReadOnlyList<string> Topics, IReadOnlyList<Headline> Headlines)
{
    /// <summary>The headlines known to a classifier.</summary>
    public IReadOnlyList<Headline> Train => Headlines.Where(h => h.Split == EmbeddingData.TrainSplit).ToArray();

    /// <summary>The held-out headlines to classify.</summary>
    public IReadOnlyList<Headline> HeldOut => Headlines.Where(h => h.Split == EmbeddingData.TestSplit).ToArray();
}

/// <summary>Loads practical 02's data from data/embeddings/ (JSONL, UTF-8, one record a line).</summary>
public static class EmbeddingData
{
    /// <summary>Split name of the data a model may train on or use as known examples.</summary>
    public const string TrainSplit = "train";

    /// <summary>Split name of the held-out data.</summary>
    public const string TestSplit = "test";

    /// <summary>Number of paraphrase groups in the first version of the file (ids 0–64): the held-out rule
    /// (Id % 5 == 4) applies to these only; groups added later are all training groups, so the held-out set never
    /// changes.</summary>
    public const int OriginalParaphraseGroups = 65;

    /// <summary>The four topics, in label order.</summary>
    public static readonly IReadOnlyList<string> TopicNames = ["world", "sports", "business", "sci/tech"];

    /// <summary>File name of the paraphrase groups.</summary>
    public const string ParaphraseFile = "paraphrases.jsonl";

    /// <summary>File name of the topic corpus.</summary>
    public const string TopicFile = "topics.jsonl";

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>
    /// The data/embeddings folder: $COURSEWORKBOOK_DATA/embeddings if set, else the first data/embeddings found walking
    /// up from the current directory, then from the library's own location (so notebooks and tests both find it).
    /// </summary>
    public static string Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable("COURSEWORKBOOK_DATA") is { Length: > 0 } env)
                return Path.Combine(env, "embeddings");
            var starts = new[] { Environment.CurrentDirectory, AppContext.BaseDirectory,
                Path.GetDirectoryName(typeof(EmbeddingData).Assembly.Location) };
            return Runtime.WorkbookPaths.FindAbove(starts, Path.Combine("data", "embeddings"),
                c => File.Exists(Path.Combine(c, ParaphraseFile)))
                ?? throw new DirectoryNotFoundException(
                    "data/embeddings not found above " + Environment.CurrentDirectory + "; set COURSEWORKBOOK_DATA");
        }
    }

    /// <summary>
    /// Reads the paraphrase groups (default: <see cref="Folder"/>/paraphrases.jsonl) and checks their shape.
    /// </summary>
    public static ParaphraseSet LoadParaphrases(string? path = null)
    {
        path ??= Path.Combine(Folder, ParaphraseFile);
        var groups = new List<ParaphraseGroup>();
        foreach (var (line, number) in Lines(path))
        {
            var dto = JsonSerializer.Deserialize<GroupLine>(line, Json) ?? throw Bad(path, number, "empty record");
            if (dto.Sentences is not { Count: >= 2 }) throw Bad(path, number, "a group needs at least two sentences");
            CheckSplit(dto.Split, path, number);
            var negatives = (dto.HardNegatives ?? []).Select(h =>
            {
                if (string.IsNullOrWhiteSpace(h.Text)) throw Bad(path, number, "hard negative without text");
                if (h.Imitates < 0 || h.Imitates >= dto.Sentences.Count)
                    throw Bad(path, number, $"hard negative imitates sentence {h.Imitates}, which does not exist");
                return new HardNegative(h.Text, h.Imitates, h.Kind ?? "");
            }).ToArray();
            groups.Add(new ParaphraseGroup(dto.Group, dto.Split!, dto.Theme ?? "", dto.Sentences.ToArray(), negatives));
        }
        if (groups.Select(g => g.Id).Distinct().Count() != groups.Count)
            throw new InvalidDataException($"{path}: group ids are not unique");
        return new ParaphraseSet(groups);
    }

    /// <summary>Reads the topic corpus (default: <see cref="Folder"/>/topics.jsonl).</summary>
    public static TopicCorpus LoadTopics(string? path = null)
    {
        path ??= Path.Combine(Folder, TopicFile);
        var headlines = new List<Headline>();
        foreach (var (line, number) in Lines(path))
        {
            var dto = JsonSerializer.Deserialize<HeadlineLine>(line, Json) ?? throw Bad(path, number, "empty record");
            if (string.IsNullOrWhiteSpace(dto.Text)) throw Bad(path, number, "headline without text");
            int label = TopicNames.ToList().IndexOf(dto.Topic ?? "");
            if (label < 0) throw Bad(path, number, $"unknown topic '{dto.Topic}'");
            CheckSplit(dto.Split, path, number);
            headlines.Add(new Headline(dto.Id, dto.Text, dto.Topic!, label, dto.Split!));
        }
        return new TopicCorpus(TopicNames, headlines);
    }

    static IEnumerable<(string Line, int Number)> Lines(string path)
    {
        int number = 0;
        foreach (var line in File.ReadLines(path, System.Text.Encoding.UTF8))
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line)) yield return (line, number);
        }
    }

    static void CheckSplit(string? split, string path, int line)
    {
        if (split is not (TrainSplit or TestSplit))
            throw Bad(path, line, $"split must be '{TrainSplit}' or '{TestSplit}', got '{split}'");
    }

    static InvalidDataException Bad(string path, int line, string message) => new($"{path}:{line}: {message}");

    sealed record GroupLine(int Group, string? Split, string? Theme, List<string>? Sentences,
        List<HardNegativeLine>? HardNegatives);

    sealed record HardNegativeLine(string? Text, int Imitates, string? Kind);

    sealed record HeadlineLine(int Id, string? Topic, string? Split, string? Text);
}
