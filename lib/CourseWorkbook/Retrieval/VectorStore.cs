using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>
/// What <see cref="VectorStore.IndexAsync"/> did: how many texts were embedded and how many reused from the store.
/// </summary>
public sealed record IndexReport(string Embedder, int Documents, int Embedded, int Reused, int Dimensions,
    TimeSpan Elapsed)
{
    /// <summary>One line, e.g. <c>661 documents: 0 embedded, 661 reused (lsa256-…, 256 dims) in 3 ms</c>.</summary>
    public override string ToString() =>
        $"{Documents} documents: {Embedded} embedded, {Reused} reused ({Embedder}, {Dimensions} dims) "
        + $"in {Elapsed.TotalMilliseconds:0} ms";
}

/// <summary>A vector store file that cannot be read: names the file and the byte offset where reading failed.</summary>
public sealed class VectorStoreFormatException(string path, long offset, string problem)
    : IOException($"Vector store '{path}' is corrupt at byte offset {offset}: {problem}")
{
    /// <summary>The file that failed to load.</summary>
    public string FilePath { get; } = path;

    /// <summary>Byte offset where the problem was found.</summary>
    public long Offset { get; } = offset;
}

/// <summary>
/// Vectors of documents for one embedder, searched by brute-force cosine and persisted on disk.
/// Entries are keyed by the SHA-256 of their text, so re-indexing a grown or edited corpus embeds only the texts
/// that are new or changed. Files are written atomically (temp file in the same folder, flushed, then renamed over
/// the old one), so a run killed mid-write leaves the previous store intact. A damaged file fails to load with
/// its path and byte offset (<see cref="Load"/>) or is rebuilt with a warning
/// (<see cref="Open(string, string, Action{string})"/>).
/// <para>
/// Search cost is one dot product per stored vector (<see cref="VectorSearchBenchmark"/> has the measured table):
/// about 12 ms per query for 100 000 vectors of 384 dimensions on one core, 120 ms for a million. Beyond about
/// 100 000 vectors, or under many queries per second, an approximate nearest-neighbour index (HNSW, IVF) is needed.
/// </para>
/// </summary>
public sealed class VectorStore
{
    private const string Magic = "CWVSTORE";
    private const string FooterMagic = "CWVSEND!";
    private const int FormatVersion = 1;

    private Document[] documents = [];
    private string[] hashes = [];
    private float[] matrix = [];

    private VectorStore(string embedderId, int dimensions, string? path)
    {
        EmbedderId = embedderId;
        Dimensions = dimensions;
        FilePath = path;
    }

    /// <summary>The embedder whose vectors this store holds (see <see cref="Embedders.IdOf"/>).</summary>
    public string EmbedderId { get; }

    /// <summary>Vector length (0 until the first vector is stored).</summary>
    public int Dimensions { get; private set; }

    /// <summary>Number of stored documents.</summary>
    public int Count => documents.Length;

    /// <summary>The stored documents, in index order.</summary>
    public IReadOnlyList<Document> Documents => documents;

    /// <summary>The file <see cref="Save(string?)"/> writes to by default (null for an in-memory store).</summary>
    public string? FilePath { get; private set; }

    /// <summary>An empty store for the embedder id, optionally bound to a file.</summary>
    public static VectorStore Create(string embedderId, string? path = null) => new(embedderId, 0, path);

    /// <summary>An empty store for the embedder, optionally bound to a file.</summary>
    public static VectorStore Create(IEmbeddingGenerator<string, Embedding<float>> embedder, string? path = null) =>
        Create(Embedders.IdOf(embedder), path);

    /// <summary>
    /// <see cref="Open(string, string, Action{string}?)"/> for the embedder; by default the file is
    /// <see cref="RagData.StorePath"/>.
    /// </summary>
    public static VectorStore Open(IEmbeddingGenerator<string, Embedding<float>> embedder, string? path = null,
        Action<string>? warn = null)
    {
        var id = Embedders.IdOf(embedder);
        return Open(path ?? RagData.StorePath(id), id, warn);
    }

    /// <summary>
    /// The store saved at <paramref name="path"/> if it exists and belongs to this embedder, else an empty one bound
    /// to that path. A corrupt file, or one written for another embedder, is set aside with a warning and rebuilt.
    /// Temp files left by a killed writer are deleted; those of a writer still running (another notebook run saving
    /// the same store at this moment) are left alone.
    /// </summary>
    public static VectorStore Open(string path, string embedderId, Action<string>? warn = null)
    {
        warn ??= Console.WriteLine;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        foreach (var stale in Directory.GetFiles(dir, Path.GetFileName(path) + ".tmp-*"))
            if (IsAbandoned(stale))
                try { File.Delete(stale); } catch (IOException) { /* its writer is finishing with it */ }
        if (!File.Exists(path)) return Create(embedderId, path);
        try
        {
            var store = Load(path);
            if (store.EmbedderId == embedderId) return store;
            warn($"Vector store '{path}' holds vectors of {store.EmbedderId}, not {embedderId}: "
                + "starting an empty store.");
        }
        catch (VectorStoreFormatException e)
        {
            warn($"{e.Message}. Rebuilding it: every text will be embedded again.");
        }
        return Create(embedderId, path);
    }

    /// <summary>
    /// The on-disk store of the embedder (its file under <see cref="RagData.CacheDirectory"/> by default), made to
    /// hold <paramref name="corpus"/> (embedding only new texts) and saved: a second call with the same texts embeds
    /// nothing. Practical 01's first exercise; the reference when it is not done.
    /// </summary>
    public static async Task<(VectorStore Store, IndexReport Report)> IndexOnDiskAsync(IReadOnlyList<Document> corpus,
        IEmbeddingGenerator<string, Embedding<float>> embedder, string? path = null)
    {
        var store = Open(embedder, path);
        var report = await store.IndexAsync(corpus, embedder).ConfigureAwait(false);
        store.Save();
        return (store, report);
    }

    /// <summary>
    /// Makes the store hold exactly these documents, embedding only the texts it does not already have
    /// (same SHA-256), in batches. Vectors are L2-normalised on the way in.
    /// </summary>
    public async Task<IndexReport> IndexAsync(IReadOnlyList<Document> corpus,
        IEmbeddingGenerator<string, Embedding<float>> embedder, int batchSize = 64,
        CancellationToken cancellationToken = default)
    {
        var id = Embedders.IdOf(embedder);
        if (id != EmbedderId)
            throw new InvalidOperationException($"this store holds vectors of {EmbedderId}; it cannot index with {id}");
        var clock = Stopwatch.StartNew();
        var known = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < hashes.Length; i++) known.TryAdd(hashes[i], i);

        var newHashes = corpus.Select(d => HashText(d.Text)).ToArray();
        var missing = new List<int>(); // rows whose text must be embedded (first occurrence of each new text)
        var firstRowOfHash = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < corpus.Count; i++)
            if (!known.ContainsKey(newHashes[i]) && firstRowOfHash.TryAdd(newHashes[i], i)) missing.Add(i);

        var fresh = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (var start = 0; start < missing.Count; start += batchSize)
        {
            var batch = missing.Skip(start).Take(batchSize).ToList();
            var embeddings = await embedder.GenerateAsync(batch.Select(i => corpus[i].Text),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (embeddings.Count != batch.Count)
                throw new InvalidOperationException(
                    $"{id} returned {embeddings.Count} embeddings for {batch.Count} texts");
            for (var j = 0; j < batch.Count; j++)
            {
                var vector = embeddings[j].Vector.ToArray();
                if (Dimensions == 0) Dimensions = vector.Length;
                if (vector.Length != Dimensions)
                    throw new InvalidOperationException(
                        $"{id} returned a vector of {vector.Length} dimensions, the store holds {Dimensions}");
                Vectors.Normalize(vector);
                fresh[newHashes[batch[j]]] = vector;
            }
        }

        var newMatrix = new float[corpus.Count * Dimensions];
        for (var i = 0; i < corpus.Count; i++)
        {
            var target = newMatrix.AsSpan(i * Dimensions, Dimensions);
            if (fresh.TryGetValue(newHashes[i], out var v)) v.CopyTo(target);
            else matrix.AsSpan(known[newHashes[i]] * Dimensions, Dimensions).CopyTo(target);
        }
        documents = corpus.ToArray();
        hashes = newHashes;
        matrix = newMatrix;
        return new IndexReport(EmbedderId, corpus.Count, missing.Count, corpus.Count - missing.Count, Dimensions,
            clock.Elapsed);
    }

    /// <summary>The stored (unit-norm) vector of a row.</summary>
    public ReadOnlySpan<float> VectorAt(int row) => matrix.AsSpan(row * Dimensions, Dimensions);

    /// <summary>
    /// The k documents most similar to the query vector (cosine), among those the filter keeps, best first.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, SearchFilter? filter = null)
    {
        if (Count == 0) return [];
        var q = Vectors.Normalized(query);
        var keep = filter is null || filter.IsEmpty ? null : new Func<int, bool>(i => filter.Matches(documents[i]));
        return TopK.Cosine(matrix, Dimensions, q, k, keep)
            .Select((t, r) => new SearchHit(r + 1, t.Score, documents[t.Index]))
            .ToList();
    }

    /// <summary>
    /// Writes the store atomically to <paramref name="path"/> (default: the file it was opened from).
    /// </summary>
    public void Save(string? path = null) => Save(path, wrap: null);

    /// <summary>
    /// Save with a hook that wraps the temp file's stream (tests use it to simulate a crash mid-write).
    /// </summary>
    internal void Save(string? path, Func<Stream, Stream>? wrap)
    {
        path ??= FilePath ?? throw new InvalidOperationException("this store has no file: pass a path");
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var body = Serialize();
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var stream = wrap is null ? file : wrap(file))
                {
                    stream.Write(body);
                    stream.Write(Encoding.ASCII.GetBytes(FooterMagic));
                    stream.Write(SHA256.HashData(body));
                    stream.Flush();
                }
            }
            using (var check = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
                check.Flush(flushToDisk: true);
            File.Move(temp, full, overwrite: true);
            FilePath = path;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    const int MinRecordBytes = 1 + 4 + 1 + 1 + 1 + 16; // id, day, section, source, text, hash

    /// <summary>
    /// Reads a saved store; any damage raises <see cref="VectorStoreFormatException"/> with the byte offset.
    /// </summary>
    public static VectorStore Load(string path)
    {
        byte[] bytes;
        // FileShare.Delete: a concurrent Save may rename its new file over this one while it is read (Windows).
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            bytes = new byte[file.Length];
            file.ReadExactly(bytes);
        }
        using var reader = new BinaryReader(new MemoryStream(bytes), Encoding.UTF8);
        long at = 0;
        VectorStoreFormatException Fail(string problem) => new(path, at, problem);
        try
        {
            if (bytes.Length < Magic.Length || Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic)
                throw Fail("not a CourseWorkbook vector store (bad magic)");
            at = reader.BaseStream.Position;
            var version = reader.ReadInt32();
            if (version != FormatVersion) throw Fail($"format version {version}, expected {FormatVersion}");
            at = reader.BaseStream.Position;
            var embedderId = reader.ReadString();
            at = reader.BaseStream.Position;
            var dims = reader.ReadInt32();
            var count = reader.ReadInt32();
            // A record holds at least its five length-prefixed or fixed fields (24 bytes) and its vector, so the count
            // is checked against the bytes that remain before anything is allocated.
            if (dims < 0 || dims > 1 << 16 || count < 0 || (dims == 0 && count > 0)
                || (long)count * (MinRecordBytes + 4L * dims) > bytes.Length - reader.BaseStream.Position)
                throw Fail($"implausible header ({count} vectors of {dims} dimensions in {bytes.Length} bytes)");
            var store = new VectorStore(embedderId, dims, path)
            {
                documents = new Document[count],
                hashes = new string[count],
                matrix = new float[count * dims],
            };
            for (var i = 0; i < count; i++)
            {
                at = reader.BaseStream.Position;
                try
                {
                    var id = reader.ReadString();
                    var day = reader.ReadInt32();
                    var section = reader.ReadString();
                    var source = reader.ReadString();
                    var text = reader.ReadString();
                    store.hashes[i] = Convert.ToHexStringLower(reader.ReadBytes(16));
                    store.documents[i] = new Document(id, text, day < 0 ? null : DateOnly.FromDayNumber(day),
                        section.Length == 0 ? null : section, source.Length == 0 ? null : source);
                    var span = store.matrix.AsSpan(i * dims, dims);
                    for (var j = 0; j < dims; j++) span[j] = reader.ReadSingle();
                }
                catch (EndOfStreamException) { throw Fail($"file ends inside record {i + 1} of {count} (truncated?)"); }
            }
            at = reader.BaseStream.Position;
            if (bytes.Length - at < FooterMagic.Length + 32)
                throw Fail("file ends before the checksum footer (truncated?)");
            if (Encoding.ASCII.GetString(reader.ReadBytes(FooterMagic.Length)) != FooterMagic)
                throw Fail("footer missing (bad marker)");
            var expected = reader.ReadBytes(32);
            if (!SHA256.HashData(bytes.AsSpan(0, (int)at)).AsSpan().SequenceEqual(expected))
                throw Fail($"checksum mismatch: bytes 0..{at} were modified");
            if (reader.BaseStream.Position != bytes.Length)
                throw Fail($"{bytes.Length - reader.BaseStream.Position} unexpected bytes after the footer");
            return store;
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException)
        {
            throw Fail($"unreadable header or record ({e.Message})");
        }
    }

    private byte[] Serialize()
    {
        using var memory = new MemoryStream();
        using (var w = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(FormatVersion);
            w.Write(EmbedderId);
            w.Write(Dimensions);
            w.Write(documents.Length);
            for (var i = 0; i < documents.Length; i++)
            {
                var d = documents[i];
                w.Write(d.Id);
                w.Write(d.Date?.DayNumber ?? -1);
                w.Write(d.Section ?? "");
                w.Write(d.Source ?? "");
                w.Write(d.Text);
                w.Write(Convert.FromHexString(hashes[i]));
                foreach (var x in VectorAt(i)) w.Write(x);
            }
        }
        return memory.ToArray();
    }

    /// <summary>
    /// Whether a temp file (<c>{store}.tmp-{pid}-{guid}</c>, see <see cref="Save(string?)"/>) was left by a writer that
    /// is gone: its process no longer runs, or the file is over an hour old (a reused pid). This process' own temp
    /// files belong to a save in progress on another thread.
    /// </summary>
    internal static bool IsAbandoned(string tempFile)
    {
        var marker = tempFile.LastIndexOf(".tmp-", StringComparison.Ordinal);
        var rest = marker < 0 ? "" : tempFile[(marker + 5)..];
        var dash = rest.IndexOf('-');
        if (dash <= 0 || !int.TryParse(rest[..dash], out var pid)) return true;
        if (pid == Environment.ProcessId) return false;
        try
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(tempFile) > TimeSpan.FromHours(1)) return true;
            using var writer = Process.GetProcessById(pid);
            return writer.HasExited;
        }
        catch (ArgumentException) { return true; }            // no such process
        catch (InvalidOperationException) { return true; }    // it exited meanwhile
    }

    /// <summary>Hex SHA-256 (first 16 bytes) of the UTF-8 text: the cache key of its vector.</summary>
    public static string HashText(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 16));
}
