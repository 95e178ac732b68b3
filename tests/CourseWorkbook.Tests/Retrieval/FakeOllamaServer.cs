using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>How the fake server answers POST /api/chat.</summary>
public enum EmbedBehaviour { Normal, Hangs, Zeros }

public enum ChatBehaviour
{
    /// <summary>Streams the answer in pieces, then a done line.</summary>
    Normal,

    /// <summary>Streams two pieces, then closes the connection in the middle of the chunked body.</summary>
    CutMidStream,

    /// <summary>Streams two pieces, then sends nothing more until the server is disposed.</summary>
    StallMidStream,

    /// <summary>Streams two pieces and ends the body cleanly, without the done line.</summary>
    EndWithoutDone,

    /// <summary>Reads the request and never answers (not even headers).</summary>
    NeverAnswer,
}

/// <summary>
/// A minimal Ollama on 127.0.0.1 (random free port) speaking the endpoints the library uses: GET /api/tags,
/// POST /api/embed, POST /api/chat (one JSON object, or NDJSON in a chunked body when streaming). One request
/// per connection (Connection: close). Can also accept connections and never answer (a hung server).
/// </summary>
internal sealed class FakeOllamaServer : IAsyncDisposable
{
    public const string Answer = "La Vilaine a débordé à Rennes [1].";

    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> clients = [];
    private readonly Task loop;
    private readonly string[] models;
    private readonly bool silent;
    private int embedTexts;
    private int chatRequests;

    public FakeOllamaServer(string[]? models = null, ChatBehaviour chat = ChatBehaviour.Normal, bool silent = false)
    {
        this.models = models ?? ["qwen2.5:latest", "nextfire/paraphrase-multilingual-minilm:latest"];
        Chat = chat;
        this.silent = silent;
        listener.Start();
        Host = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        loop = AcceptLoop();
    }

    public string Host { get; }
    public ChatBehaviour Chat { get; set; }

    /// <summary>What /api/embed does: answer, never answer, or answer all-zero vectors.</summary>
    public EmbedBehaviour Embedding { get; set; }
    public int EmbedTexts => embedTexts;
    public int ChatRequests => chatRequests;
    public bool? LastChatWasStreamed { get; private set; }

    /// <summary>A port nothing listens on (bound, then released).</summary>
    public static string ClosedHost()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    /// <summary>The fake embedding: 8 dims from the text's letters, so similar texts get similar vectors.</summary>
    public static float[] Embed(string text)
    {
        var v = new float[8];
        foreach (var c in text.ToLowerInvariant()) if (char.IsLetter(c)) v[c % 8] += 1;
        return v;
    }

    private async Task AcceptLoop()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                lock (clients) clients.Add(client);
                _ = Task.Run(() => Handle(client));
            }
        }
        catch (Exception) when (stop.IsCancellationRequested) { }
        catch (SocketException) { }
    }

    private async Task Handle(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            if (silent)
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
                return;
            }
            var (method, path, body) = await ReadRequest(stream);
            switch (method, path)
            {
                case ("GET", "/api/tags"):
                    var tags = new JsonObject { ["models"] = new JsonArray(models.Select(m => (JsonNode)new JsonObject { ["name"] = m, ["model"] = m }).ToArray()) };
                    await WriteJson(stream, tags.ToJsonString());
                    break;
                case ("POST", "/api/embed") when Embedding == EmbedBehaviour.Hangs:
                    await Task.Delay(Timeout.Infinite, stop.Token);
                    return;
                case ("POST", "/api/embed"):
                    var request = JsonNode.Parse(body)!;
                    var inputs = request["input"] is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : [request["input"]!.GetValue<string>()];
                    Interlocked.Add(ref embedTexts, inputs.Count);
                    var embeddings = new JsonArray(inputs.Select(t => (JsonNode)new JsonArray(Embed(t)
                        .Select(x => (JsonNode)(Embedding == EmbedBehaviour.Zeros ? 0f : x)).ToArray())).ToArray());
                    await WriteJson(stream, new JsonObject { ["model"] = request["model"]!.GetValue<string>(), ["embeddings"] = embeddings }.ToJsonString());
                    break;
                case ("POST", "/api/chat"):
                    Interlocked.Increment(ref chatRequests);
                    await ChatAsync(stream, JsonNode.Parse(body)!);
                    break;
                default:
                    await WriteRaw(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    break;
            }
        }
        catch (Exception) { /* the client went away, or the server is stopping */ }
        finally
        {
            client.Dispose();
        }
    }

    private async Task ChatAsync(NetworkStream stream, JsonNode request)
    {
        var model = request["model"]?.GetValue<string>() ?? "qwen2.5";
        var streamed = request["stream"]?.GetValue<bool>() ?? true;
        LastChatWasStreamed = streamed;
        if (Chat == ChatBehaviour.NeverAnswer)
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
            return;
        }
        string Piece(string text, bool done) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model"] = model,
            ["created_at"] = "2024-01-09T12:00:00Z",
            ["message"] = new Dictionary<string, string> { ["role"] = "assistant", ["content"] = text },
            ["done"] = done,
            ["done_reason"] = done ? "stop" : null,
        });
        if (!streamed)
        {
            await WriteJson(stream, Piece(Answer, true));
            return;
        }
        await WriteRaw(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        var pieces = new[] { "La Vilaine ", "a débordé ", "à Rennes [1]." };
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i == 2)
            {
                switch (Chat)
                {
                    case ChatBehaviour.CutMidStream:
                        // FIN after the data already sent (not a reset, which could discard it): the client reads
                        // both pieces, then the body ends before its last chunk.
                        stream.Socket.Shutdown(SocketShutdown.Send);
                        return;
                    case ChatBehaviour.StallMidStream:
                        await Task.Delay(Timeout.Infinite, stop.Token);
                        return;
                    case ChatBehaviour.EndWithoutDone:
                        await WriteRaw(stream, "0\r\n\r\n");
                        return;
                }
            }
            await WriteChunk(stream, Piece(pieces[i], false) + "\n");
        }
        await WriteChunk(stream, Piece("", true) + "\n");
        await WriteRaw(stream, "0\r\n\r\n");
    }

    private static async Task<(string Method, string Path, string Body)> ReadRequest(NetworkStream stream)
    {
        var header = new List<byte>();
        var one = new byte[1];
        while (!(header.Count >= 4 && header[^4] == '\r' && header[^3] == '\n' && header[^2] == '\r' && header[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0) throw new IOException("client closed");
            header.Add(one[0]);
        }
        var lines = Encoding.ASCII.GetString(header.ToArray()).Split("\r\n");
        var parts = lines[0].Split(' ');
        var length = lines.Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim())).FirstOrDefault();
        var body = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = await stream.ReadAsync(body.AsMemory(read));
            if (n == 0) throw new IOException("client closed");
            read += n;
        }
        return (parts[0], parts[1], Encoding.UTF8.GetString(body));
    }

    private static Task WriteJson(NetworkStream stream, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return WriteRaw(stream, $"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n", bytes);
    }

    private static async Task WriteChunk(NetworkStream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await WriteRaw(stream, $"{bytes.Length:X}\r\n", [.. bytes, (byte)'\r', (byte)'\n']);
    }

    private static async Task WriteRaw(NetworkStream stream, string head, byte[]? body = null)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        if (body is not null) await stream.WriteAsync(body);
        await stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        lock (clients) foreach (var c in clients) c.Dispose();
        try { await loop.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        stop.Dispose();
    }
}
