using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Weights;

/// <summary>Download progress: bytes on disk so far and the total when known.</summary>
public sealed record DownloadProgress(string FileName, long BytesDone, long? TotalBytes)
{
    /// <summary>Fraction done in [0, 1], or null when the size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 ? (double)BytesDone / TotalBytes.Value : null;
}

/// <summary>What the hub says about a file before downloading it (HEAD on its resolve URL).</summary>
public sealed record HubFileMetadata(string? CommitHash, string? ETag, long? Size, string? Sha256);

/// <summary>
/// Downloads files from the Hugging Face hub (<c>{endpoint}/{id}/resolve/{revision}/{file}</c>) into the hub cache
/// layout (blobs/ + snapshots/{commit}/ + refs/{revision}): resumable with HTTP Range, checked against the expected
/// size and sha256 (the caller's, else the hub's X-Linked-Size / X-Linked-Etag), written to a temporary
/// ".incomplete" blob and renamed only once verified, so the target never holds a partial file. Honours HF_TOKEN and
/// HF_ENDPOINT. Every wait has a limit: connecting (<see cref="ConnectTimeout"/>), and each wait for response headers
/// or for the next bytes of a body (<see cref="ReadTimeout"/>): a server that accepts and never answers, or a download
/// that stalls, fails with a <see cref="TimeoutException"/> naming the URL (a stalled download is retried from where it
/// stopped, up to <see cref="MaxAttempts"/>).
/// </summary>
public sealed class HubClient : IDisposable
{
    readonly HttpClient http;

    /// <summary>A client for <paramref name="endpoint"/> (default $HF_ENDPOINT or https://huggingface.co).</summary>
    public HubClient(string? endpoint = null, string? token = null, TimeSpan? connectTimeout = null,
        int maxAttempts = 4, HttpMessageHandler? handler = null, TimeSpan? readTimeout = null)
    {
        Endpoint = (endpoint ?? Environment.GetEnvironmentVariable("HF_ENDPOINT") ?? "https://huggingface.co")
            .TrimEnd('/');
        ConnectTimeout = connectTimeout ?? TimeSpan.FromSeconds(10);
        ReadTimeout = readTimeout ?? TimeSpan.FromSeconds(30);
        MaxAttempts = Math.Max(1, maxAttempts);
        handler ??= new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("CourseWorkbook/1.0");
        token ??= Environment.GetEnvironmentVariable("HF_TOKEN");
        if (!string.IsNullOrEmpty(token))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>The hub's base URL.</summary>
    public string Endpoint { get; }
    /// <summary>How long to wait for a TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; }
    /// <summary>Longest wait for response headers, or for the next bytes of a body.</summary>
    public TimeSpan ReadTimeout { get; }
    /// <summary>Attempts per download (each resumes where the previous one stopped).</summary>
    public int MaxAttempts { get; }

    /// <summary>The resolve URL of a file.</summary>
    public string FileUrl(string modelId, string fileName, string revision = "main") =>
        $"{Endpoint}/{modelId}/resolve/{Uri.EscapeDataString(revision)}/"
        + $"{string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString))}";

    /// <summary>
    /// HEAD on the resolve URL: commit, ETag, size and sha256 (for LFS files) as the hub reports them.
    /// </summary>
    public async Task<HubFileMetadata> GetMetadataAsync(string modelId, string fileName, string revision = "main",
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, FileUrl(modelId, fileName, revision));
        request.Headers.AcceptEncoding.ParseAdd("identity");
        using var response = await Bounded(request.RequestUri!, "answer", ct =>
            http.SendAsync(request, ct), cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode >= 400)
            throw new HttpRequestException(
                $"{request.RequestUri}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null,
                response.StatusCode);
        string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault() : null;
        string? etag = (Header("X-Linked-Etag") ?? response.Headers.ETag?.Tag)?.Trim('"');
        if (etag is not null && etag.StartsWith("W/", StringComparison.Ordinal)) etag = etag[2..].Trim('"');
        long? size = long.TryParse(Header("X-Linked-Size"), out var s) ? s : response.Content.Headers.ContentLength;
        string? sha = etag is not null && Regex.IsMatch(etag, "^[0-9a-f]{64}$") ? etag : null;
        return new HubFileMetadata(Header("X-Repo-Commit"), etag, size, sha);
    }

    /// <summary>
    /// Downloads a file into the hub cache under <paramref name="cacheRoot"/> and returns its snapshot path.
    /// </summary>
    public async Task<string> DownloadToCacheAsync(string cacheRoot, string modelId, string fileName,
        string revision = "main", long? expectedSize = null, string? expectedSha256 = null,
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ModelStore.ValidateNames(modelId, fileName);
        var meta = await GetMetadataAsync(modelId, fileName, revision, cancellationToken).ConfigureAwait(false);
        long? size = expectedSize ?? meta.Size;
        string? sha = expectedSha256?.ToLowerInvariant() ?? meta.Sha256;
        string commit = meta.CommitHash
            ?? (Regex.IsMatch(revision, "^[0-9a-f]{40}$") ? revision : revision.Replace('/', '_'));
        string blobName = sha ?? meta.ETag ?? Convert.ToHexString(
            SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(FileUrl(modelId, fileName, commit)))).ToLowerInvariant();

        var repo = Path.Combine(cacheRoot, ModelStore.CacheFolderName(modelId));
        var blobs = Path.Combine(repo, "blobs");
        Directory.CreateDirectory(blobs);
        var blob = Path.Combine(blobs, blobName);
        var partial = blob + ".incomplete";

        if (!File.Exists(blob))
        {
            await DownloadWithResumeAsync(FileUrl(modelId, fileName, meta.CommitHash ?? revision), partial, size,
                fileName, progress, cancellationToken).ConfigureAwait(false);
            Verify(partial, size, sha, fileName);
            File.Move(partial, blob, overwrite: true);
        }

        var target = Path.Combine(repo, "snapshots", commit, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (!File.Exists(target)) Link(target, blob);
        if (!Regex.IsMatch(revision, "^[0-9a-f]{40}$") && meta.CommitHash is not null)
        {
            Directory.CreateDirectory(Path.Combine(repo, "refs"));
            Runtime.AtomicFile.WriteAllText(Path.Combine(repo, "refs", revision), commit);
        }
        return target;
    }

    async Task DownloadWithResumeAsync(string url, string partial, long? size, string fileName,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        Exception? last = null;
        for (int attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            long have = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (size is { } total && have > total) { File.Delete(partial); have = 0; }
            if (size is { } t2 && have == t2 && have > 0) return;
            try
            {
                await FetchAsync(url, partial, have, size, fileName, progress, ct).ConfigureAwait(false);
                if (size is null || new FileInfo(partial).Length == size) return;
                last = new IOException(
                    $"{fileName}: connection closed at byte {new FileInfo(partial).Length} of {size}");
            }
            catch (Exception e) when (e is IOException or HttpRequestException or TimeoutException
                && !ct.IsCancellationRequested)
            {
                last = e;
            }
            if (attempt < MaxAttempts)
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct).ConfigureAwait(false);
        }
        throw new IOException($"{fileName}: download did not complete after {MaxAttempts} attempts; "
            + $"the partial file {partial} is kept for resuming", last);
    }

    async Task FetchAsync(string url, string partial, long offset, long? size, string fileName,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var uri = new Uri(url);
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            if (offset > 0) request.Headers.Range = new RangeHeaderValue(offset, null);
            using var response = await Bounded(uri, "answer", t =>
                http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, t), ct).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                if (redirects >= 5) throw new HttpRequestException($"{url}: too many redirects");
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && size == offset) return;
            if ((int)response.StatusCode >= 400)
                throw new HttpRequestException($"{uri}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null,
                    response.StatusCode);
            bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed) offset = 0; // the server ignored the Range header: start over
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using var file = new FileStream(partial, resumed ? FileMode.Append : FileMode.Create,
                FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            long done = offset;
            progress?.Report(new DownloadProgress(fileName, done, size));
            for (int n; (n = await Bounded(uri, $"send the next bytes after byte {done}", t =>
                     body.ReadAsync(buffer, t).AsTask(), ct).ConfigureAwait(false)) > 0;)
            {
                await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                done += n;
                if (size is { } s && done > s)
                    throw new InvalidDataException($"{fileName}: the server sent more than the expected {s} bytes");
                progress?.Report(new DownloadProgress(fileName, done, size));
            }
            return;
        }
    }

    // One wait of the exchange, limited to ReadTimeout: a silent server becomes a TimeoutException naming the URL.
    async Task<T> Bounded<T>(Uri uri, string what, Func<CancellationToken, Task<T>> wait, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(ReadTimeout);
        try
        {
            return await wait(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{uri}: the server did not {what} within {ReadTimeout.TotalSeconds:0.#} s");
        }
    }

    static void Verify(string partial, long? size, string? sha, string fileName)
    {
        long length = new FileInfo(partial).Length;
        if (size is { } s && length != s)
        {
            File.Delete(partial);
            throw new InvalidDataException(
                $"{fileName}: downloaded {length} bytes, expected {s}; the file was discarded");
        }
        if (sha is null) return;
        string actual;
        using (var f = File.OpenRead(partial)) actual = Convert.ToHexString(SHA256.HashData(f)).ToLowerInvariant();
        if (actual != sha)
        {
            File.Delete(partial);
            throw new InvalidDataException(
                $"{fileName}: sha256 {actual} does not match the expected {sha}; the file was discarded");
        }
    }

    /// <summary>Links snapshots/{commit}/{file} to its blob (a relative symlink as the hub cache does; a copy where
    /// symlinks are not allowed), via a temporary name so the target appears complete or not at all.</summary>
    static void Link(string target, string blob)
    {
        var temp = target + $".{Guid.NewGuid():N}.tmp";
        try
        {
            var relative = Path.GetRelativePath(Path.GetDirectoryName(target)!, blob);
            try { File.CreateSymbolicLink(temp, relative); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                File.Copy(blob, temp);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp) || new FileInfo(temp).LinkTarget is not null)
                try { File.Delete(temp); } catch (IOException) { }
        }
    }

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => http.Dispose();
}
