using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace CourseWorkbook.Runtime;

/// <summary>Where Ollama is, which models to use, and how long to wait for it.</summary>
public sealed record OllamaSettings
{
    /// <summary>Base address, from the OLLAMA_HOST environment variable (default http://localhost:11434). A value
    /// Ollama would not accept leaves the default here and its reason in <see cref="HostProblem"/>.</summary>
    public string Host { get; init; } = FromEnvironment().Host;

    /// <summary>
    /// Why OLLAMA_HOST could not be used, or null. The probe reports it and the notebook goes offline.
    /// </summary>
    public string? HostProblem { get; init; } = FromEnvironment().Problem;

    /// <summary>The course's multilingual sentence embedder (384 dimensions).</summary>
    public string EmbeddingModel { get; init; } = "nextfire/paraphrase-multilingual-minilm";

    /// <summary>The course's chat model.</summary>
    public string ChatModel { get; init; } = "qwen2.5";

    /// <summary>The probe's budget (connect, request and answer): Ollama is local, 1 s is plenty.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait for a whole request, or for the first bytes of a stream (the first call loads the model).
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest wait for the trial embedding that checks the embedding model works before a notebook relies on
    /// it (the first call loads the model).</summary>
    public TimeSpan EmbeddingCheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest silence allowed between two pieces of a streamed answer.</summary>
    public TimeSpan StreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The environment variable Ollama and its clients read.</summary>
    public const string HostVariable = "OLLAMA_HOST";

    const string DefaultHost = "http://localhost:11434";

    static (string Host, string? Problem) FromEnvironment() =>
        TryNormalizeHost(Environment.GetEnvironmentVariable(HostVariable), out var host, out var problem)
            ? (host, null)
            : (DefaultHost, problem);

    /// <summary>The address as Ollama's own client reads it: <c>myhost</c> → <c>http://myhost:11434</c> (https: 443),
    /// <c>:8080</c> → <c>http://localhost:8080</c>; a server's bind-all address (<c>0.0.0.0</c>, <c>[::]</c>) means
    /// this machine. Throws <see cref="ArgumentException"/> naming OLLAMA_HOST for a value it cannot use.</summary>
    public static string NormalizeHost(string? host) =>
        TryNormalizeHost(host, out var normalized, out var problem) ? normalized : throw new ArgumentException(problem);

    /// <summary>
    /// <see cref="NormalizeHost"/> without throwing: false, and why, for a value that cannot be used.
    /// </summary>
    public static bool TryNormalizeHost(string? raw, out string host, out string? problem)
    {
        host = DefaultHost;
        problem = null;
        if (string.IsNullOrWhiteSpace(raw)) return true;
        var text = raw.Trim().TrimEnd('/');
        var scheme = "http";
        if (text.IndexOf("://", StringComparison.Ordinal) is var sep and >= 0)
        {
            scheme = text[..sep].ToLowerInvariant();
            text = text[(sep + 3)..];
        }

        string Bad(string why) => $"{HostVariable}='{raw}' {why}";
        if (scheme is not ("http" or "https"))
        {
            problem = Bad($"uses the scheme '{scheme}'; Ollama speaks http or https");
            return false;
        }

        var slash = text.IndexOf('/');
        var path = slash >= 0 ? text[slash..].TrimEnd('/') : "";
        var authority = slash >= 0 ? text[..slash] : text;
        string name;
        string? portText = null;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                problem = Bad("has an IPv6 address without its closing ']'");
                return false;
            }

            name = authority[..(close + 1)];
            if (close + 1 < authority.Length)
            {
                if (authority[close + 1] != ':')
                {
                    problem = Bad("has text after the IPv6 address that is not a port");
                    return false;
                }

                portText = authority[(close + 2)..];
            }
        }
        else
        {
            var colon = authority.LastIndexOf(':');
            name = colon >= 0 ? authority[..colon] : authority;
            portText = colon >= 0 ? authority[(colon + 1)..] : null;
        }

        var port = scheme == "https" ? 443 : 11434;
        if (portText is not null && (!int.TryParse(portText, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            problem = Bad($"has the port '{portText}'; a port is a number from 1 to 65535");
            return false;
        }

        name = name switch
        {
            "" or "0.0.0.0" => "localhost",
            "[::]" => "[::1]",
            _ => name,
        };
        if (Uri.CheckHostName(name.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            problem = Bad($"names the host '{name}', which is not a host name or an IP address");
            return false;
        }

        host = $"{scheme}://{name}:{port}{path}";
        return true;
    }
}

/// <summary>What the probe found: is Ollama there, which models it has, and the sentence to show the student.</summary>
public sealed record OllamaStatus(string Host, bool Reachable, IReadOnlyList<string> Models, string EmbeddingModel,
    string ChatModel, bool HasEmbeddingModel, bool HasChatModel, string Message)
{
    /// <summary>True when embeddings can come from Ollama.</summary>
    public bool CanEmbed => Reachable && HasEmbeddingModel;

    /// <summary>True when answers can come from Ollama.</summary>
    public bool CanChat => Reachable && HasChatModel;

    /// <summary>The message.</summary>
    public override string ToString() => Message;
}

/// <summary>
/// Ollama failed (unreachable, timed out, cut mid-stream, answered an error): the message says which and where.
/// </summary>
public sealed class OllamaUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Ollama behind Microsoft.Extensions.AI: OllamaSharp's <see cref="OllamaApiClient"/> implements both
/// <see cref="IChatClient"/> and <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>. Every call is bounded:
/// the probe by <see cref="OllamaSettings.ProbeTimeout"/>, requests by <see cref="OllamaSettings.RequestTimeout"/>,
/// and each read of a streamed answer by <see cref="OllamaSettings.StreamIdleTimeout"/>.
/// </summary>
public static class Ollama
{
    /// <summary>
    /// GET /api/tags within the probe timeout: reachable or not, which models are pulled, and a message saying
    /// which path (Ollama or offline) the notebook will take.
    /// </summary>
    public static async Task<OllamaStatus> ProbeAsync(OllamaSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        settings ??= new();
        if (settings.HostProblem is { } hostProblem)
            return new OllamaStatus(settings.Host, false, [], settings.EmbeddingModel, settings.ChatModel, false, false,
                $"Ollama not used: {hostProblem}. Using the offline path.");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(settings.ProbeTimeout);
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = settings.ProbeTimeout })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        string? problem;
        var models = new List<string>();
        try
        {
            using var response = await http.GetAsync($"{settings.Host}/api/tags", cts.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) problem = $"HTTP {(int)response.StatusCode} on /api/tags";
            else
            {
                using var json = JsonDocument.Parse(body);
                foreach (var m in json.RootElement.GetProperty("models").EnumerateArray())
                    if (m.TryGetProperty("name", out var name) && name.GetString() is { } n) models.Add(n);
                problem = null;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            problem = $"no answer within {settings.ProbeTimeout.TotalSeconds:0.#} s";
        }
        catch (Exception e)
            when (e is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            problem = Describe(e);
        }

        bool hasEmbed = Has(models, settings.EmbeddingModel), hasChat = Has(models, settings.ChatModel);
        string message;
        if (problem is not null)
            message = $"Ollama not reachable at {settings.Host} ({problem}): using the offline path.";
        else if (hasEmbed && hasChat)
            message = $"Ollama reachable at {settings.Host}: "
                + $"embeddings from {settings.EmbeddingModel}, answers from {settings.ChatModel}.";
        else
        {
            var missing = new[] { hasEmbed ? null : settings.EmbeddingModel, hasChat ? null : settings.ChatModel }
                .OfType<string>().ToList();
            message = $"Ollama reachable at {settings.Host}, but {string.Join(" and ", missing)} not pulled "
                + $"(ollama pull {string.Join(" ; ollama pull ", missing)}): "
                + $"using the offline path for {(hasEmbed ? "" : "embeddings")}"
                + $"{(!hasEmbed && !hasChat ? " and " : "")}{(hasChat ? "" : "answers")}.";
        }
        return new OllamaStatus(settings.Host, problem is null, models, settings.EmbeddingModel, settings.ChatModel,
            hasEmbed, hasChat, message);
    }

    /// <summary>Ollama embeddings (POST /api/embed) with the settings' model and timeouts.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(
        OllamaSettings? settings = null)
    {
        settings ??= new();
        var http = CreateHttpClient(settings);
        return new GuardedEmbeddingGenerator(new OllamaApiClient(http, settings.EmbeddingModel), http, settings);
    }

    /// <summary>
    /// Ollama chat (POST /api/chat, streamed NDJSON or not) with the settings' model and timeouts; failures raise
    /// <see cref="OllamaUnavailableException"/>.
    /// </summary>
    public static IChatClient CreateChatClient(OllamaSettings? settings = null)
    {
        settings ??= new();
        var http = CreateHttpClient(settings);
        return new GuardedChatClient(new OllamaApiClient(http, settings.ChatModel), http, settings);
    }

    /// <summary>True when the model is among the pulled ones (<c>qwen2.5</c> matches <c>qwen2.5:latest</c>).</summary>
    public static bool Has(IEnumerable<string> models, string model)
    {
        static string Strip(string m) => m.EndsWith(":latest", StringComparison.OrdinalIgnoreCase) ? m[..^7] : m;
        return models.Any(m => string.Equals(Strip(m), Strip(model), StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A short reason for a failed call: refused connection, timeout, cut stream, HTTP status.</summary>
    public static string Describe(Exception e) => e switch
    {
        HttpRequestException { InnerException: SocketException s } => $"connection failed: {s.SocketErrorCode}",
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code} {code}",
        TimeoutException t => t.Message,
        OperationCanceledException => "timed out",
        HttpRequestException or IOException => $"connection lost: {e.Message}",
        OllamaUnavailableException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    private static HttpClient CreateHttpClient(OllamaSettings settings) =>
        new(new IdleTimeoutHandler(
            new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }, settings.StreamIdleTimeout))
        {
            BaseAddress = new Uri(settings.Host + "/"),
            Timeout = settings.RequestTimeout,
        };

    /// <summary>
    /// Turns every failure of the inner client into an <see cref="OllamaUnavailableException"/> naming host and model.
    /// </summary>
    private sealed class GuardedChatClient(IChatClient inner, HttpClient http, OllamaSettings settings)
        : DelegatingChatClient(inner)
    {
        private string Where => $"Ollama at {settings.Host} ({settings.ChatModel})";

        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            try { return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OllamaUnavailableException($"{Where} failed: {Describe(e)}", e);
            }
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken)
                .GetAsyncEnumerator(cancellationToken);
            var count = 0;
            var finished = false;
            try
            {
                while (true)
                {
                    ChatResponseUpdate update;
                    try
                    {
                        if (!await updates.MoveNextAsync().ConfigureAwait(false)) break;
                        update = updates.Current;
                    }
                    catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new OllamaUnavailableException(count == 0
                            ? $"{Where} failed before answering: {Describe(e)}"
                            : $"{Where} stopped mid-answer after {count} pieces: {Describe(e)}", e);
                    }
                    count++;
                    finished |= update.FinishReason is not null
                        || update.RawRepresentation is OllamaSharp.Models.Chat.ChatResponseStream { Done: true };
                    yield return update;
                }
            }
            finally
            {
                try { await updates.DisposeAsync().ConfigureAwait(false); }
                catch (Exception) { /* the stream is already broken */ }
            }
            if (!finished && !cancellationToken.IsCancellationRequested)
                throw new OllamaUnavailableException(
                    $"{Where} closed the stream after {count} pieces without finishing the answer");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) http.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Turns every failure of the inner generator into an <see cref="OllamaUnavailableException"/> naming host and
    /// model.
    /// </summary>
    private sealed class GuardedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, HttpClient http,
        OllamaSettings settings)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
            EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            try { return await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new OllamaUnavailableException(
                    $"Ollama at {settings.Host} ({settings.EmbeddingModel}) failed to embed: {Describe(e)}", e);
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) http.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// Bounds every read of a response body: if the server sends nothing for <c>idle</c>, the read fails with a
/// <see cref="TimeoutException"/> instead of waiting forever (HttpClient's own timeout stops at the headers of a
/// streamed response).
/// </summary>
internal sealed class IdleTimeoutHandler(HttpMessageHandler inner, TimeSpan idle) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request,
        CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var original = response.Content;
        var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var guarded = new StreamContent(new IdleTimeoutStream(stream, idle, original));
        foreach (var header in original.Headers) guarded.Headers.TryAddWithoutValidation(header.Key, header.Value);
        response.Content = guarded;
        return response;
    }

    private sealed class IdleTimeoutStream(Stream inner, TimeSpan idle, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count,
            CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer,
            CancellationToken cancellationToken = default)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(idle);
            try { return await inner.ReadAsync(buffer, cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"no data for {idle.TotalSeconds:0.#} s in the middle of the response");
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
