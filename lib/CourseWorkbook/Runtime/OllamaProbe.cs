using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace CourseWorkbook.Runtime;

/// <summary>Checks quickly (≤ 1 s by default) whether an Ollama server answers, and which models it has.</summary>
public static class OllamaProbe
{
    /// <summary>OLLAMA_HOST (with http:// added when missing), else http://localhost:11434.</summary>
    public static Uri DefaultHost
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("OLLAMA_HOST");
            if (string.IsNullOrWhiteSpace(env)) return new Uri("http://localhost:11434");
            env = env.Trim();
            if (!env.Contains("://")) env = "http://" + env;
            var uri = new Uri(env);
            return uri.IsDefaultPort && !env.Contains($":{uri.Port}") ? new UriBuilder(uri) { Port = 11434 }.Uri : uri;
        }
    }

    /// <summary>Asks <c>GET /api/tags</c>; never waits longer than <paramref name="timeout"/>.</summary>
    public static async Task<OllamaStatus> ProbeAsync(Uri? host = null, TimeSpan? timeout = null)
    {
        host ??= DefaultHost;
        var limit = timeout ?? TimeSpan.FromSeconds(1);
        using var cts = new CancellationTokenSource(limit);
        using var http = new HttpClient { Timeout = limit };
        try
        {
            var tags = await http.GetFromJsonAsync<TagsResponse>(new Uri(host, "/api/tags"), cts.Token);
            var names = tags?.Models?.Select(m => m.Name).Where(n => n is not null).Cast<string>().ToArray() ?? [];
            return new OllamaStatus(host, true, names, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException or System.Text.Json.JsonException or NotSupportedException)
        {
            string reason = e is TaskCanceledException or OperationCanceledException ? $"no answer within {limit.TotalSeconds:0.#} s" : e.Message;
            return new OllamaStatus(host, false, [], reason);
        }
    }

    /// <summary>Synchronous <see cref="ProbeAsync"/>.</summary>
    public static OllamaStatus Probe(Uri? host = null, TimeSpan? timeout = null) =>
        Task.Run(() => ProbeAsync(host, timeout)).GetAwaiter().GetResult();

    sealed record TagsResponse([property: JsonPropertyName("models")] List<TagModel>? Models);
    sealed record TagModel([property: JsonPropertyName("name")] string? Name);
}

/// <summary>Result of an Ollama probe.</summary>
public sealed record OllamaStatus(Uri Host, bool Reachable, IReadOnlyList<string> Models, string? Reason)
{
    public override string ToString() => Reachable
        ? $"Ollama at {Host}: {Models.Count} model(s){(Models.Count > 0 ? " — " + string.Join(", ", Models) : "")}"
        : $"Ollama not reachable at {Host} ({Reason}): using the offline path";
}
