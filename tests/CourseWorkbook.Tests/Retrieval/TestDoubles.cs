using System.Security.Cryptography;
using System.Text;
using CourseWorkbook.Retrieval;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>A deterministic fake embedder that counts the texts it embeds (to prove cache hits).</summary>
internal sealed class CountingEmbedder(string model = "counting", int dims = 8) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int TextsEmbedded { get; private set; }
    public int Calls { get; private set; }

    public static float[] VectorOf(string text, int dims)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return Enumerable.Range(0, dims).Select(i => hash[i % hash.Length] / 255f - 0.5f).ToArray();
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        var list = values.ToList();
        TextsEmbedded += list.Count;
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(list.Select(t => new Embedding<float>(VectorOf(t, dims)))));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, model, dims) : null;

    public void Dispose() { }
}

/// <summary>A retriever that returns a fixed ranking (for fusion tests).</summary>
internal sealed class FixedRetriever(string name, params string[] ids) : IRetriever
{
    public string Name => name;

    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SearchHit>>(ids.Take(k).Select((id, i) => new SearchHit(i + 1, 1.0 / (i + 1), new Document(id, id))).ToList());
}

/// <summary>A stream that throws after a number of bytes: a process killed in the middle of a write.</summary>
internal sealed class CrashingStream(Stream inner, long crashAfter) : Stream
{
    private long written;
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var room = (int)Math.Max(0, Math.Min(buffer.Length, crashAfter - written));
        inner.Write(buffer[..room]);
        written += room;
        if (room < buffer.Length) throw new IOException("simulated crash in the middle of the write");
    }
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cw-rag-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
