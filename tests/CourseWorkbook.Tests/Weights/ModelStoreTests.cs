using System.Net;
using System.Security.Cryptography;
using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests.Weights;

/// <summary>A tiny hub on 127.0.0.1: serves one file with HEAD metadata and Range support; can cut the first transfer.</summary>
sealed class FakeHub : IDisposable
{
    readonly HttpListener listener = new();
    readonly CancellationTokenSource stop = new();
    public byte[] Content { get; } = RandomNumberGenerator.GetBytes(200_000);
    public string Commit { get; } = new string('a', 40);
    public string AdvertisedSha256 { get; set; }
    public int CutFirstTransfersAfter { get; set; } = -1;
    /// <summary>The first GET sends this many bytes, then nothing, with the connection left open.</summary>
    public int StallFirstTransferAfter { get; set; } = -1;
    /// <summary>Every request is accepted and never answered.</summary>
    public bool NeverAnswer { get; set; }
    public int Gets;
    public List<string?> RangeHeaders { get; } = [];
    public string Endpoint { get; }

    public FakeHub()
    {
        AdvertisedSha256 = Convert.ToHexString(SHA256.HashData(Content)).ToLowerInvariant();
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(20000, 60000);
            try { listener.Prefixes.Clear(); listener.Prefixes.Add($"http://127.0.0.1:{port}/"); listener.Start(); Endpoint = $"http://127.0.0.1:{port}"; break; }
            catch (HttpListenerException) when (attempt < 20) { }
        }
        _ = Task.Run(Serve);
    }

    async Task Serve()
    {
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext ctx;
            try { ctx = await listener.GetContextAsync(); } catch { return; }
            var res = ctx.Response;
            if (NeverAnswer) continue; // accepted, then silence
            if (!ctx.Request.Url!.AbsolutePath.EndsWith("/resolve/main/model.bin") && !ctx.Request.Url.AbsolutePath.Contains($"/resolve/{Commit}/"))
            {
                res.StatusCode = 404; res.Close(); continue;
            }
            res.Headers["X-Repo-Commit"] = Commit;
            res.Headers["X-Linked-Etag"] = $"\"{AdvertisedSha256}\"";
            res.Headers["X-Linked-Size"] = Content.Length.ToString();
            if (ctx.Request.HttpMethod == "HEAD") { res.ContentLength64 = Content.Length; res.Close(); continue; }
            int n = Interlocked.Increment(ref Gets);
            string? range = ctx.Request.Headers["Range"];
            RangeHeaders.Add(range);
            long start = range is null ? 0 : long.Parse(range["bytes=".Length..].TrimEnd('-'));
            res.StatusCode = range is null ? 200 : 206;
            res.ContentLength64 = Content.Length - start;
            try
            {
                if (n == 1 && StallFirstTransferAfter >= 0)
                {
                    await res.OutputStream.WriteAsync(Content.AsMemory((int)start, StallFirstTransferAfter));
                    await res.OutputStream.FlushAsync();
                    _ = Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => res.Abort());
                    continue;
                }
                if (n == 1 && CutFirstTransfersAfter >= 0)
                {
                    await res.OutputStream.WriteAsync(Content.AsMemory((int)start, CutFirstTransfersAfter));
                    await res.OutputStream.FlushAsync();
                    res.Abort(); // the connection drops mid-transfer
                    continue;
                }
                await res.OutputStream.WriteAsync(Content.AsMemory((int)start));
                res.Close();
            }
            catch (HttpListenerException) { }
        }
    }

    public void Dispose() { stop.Cancel(); listener.Close(); }
}

public class ModelStoreTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), $"cw-store-{Guid.NewGuid():N}");
    public void Dispose() { try { Directory.Delete(root, true); } catch (IOException) { } }

    string Cache => Path.Combine(root, "hf");

    [Fact]
    public async Task Download_lands_in_the_hugging_face_cache_layout_and_is_found_offline_afterwards()
    {
        using var hub = new FakeHub();
        using var client = new HubClient(hub.Endpoint, token: "", maxAttempts: 2);
        var progress = new List<DownloadProgress>();
        var store = new ModelStore(localRoot: Path.Combine(root, "none"), huggingFaceCache: Cache, hub: client);
        var lookup = await store.ResolveOrDownloadAsync("org/tiny", "model.bin", progress: new Progress<DownloadProgress>(progress.Add));
        Assert.True(lookup.Found, lookup.Message);
        Assert.Equal(ModelSource.Downloaded, lookup.Source);
        Assert.Equal(Path.Combine(Cache, "models--org--tiny", "snapshots", hub.Commit, "model.bin"), lookup.Path);
        Assert.Equal(hub.Content, File.ReadAllBytes(lookup.Path!));
        Assert.Equal(hub.Commit, File.ReadAllText(Path.Combine(Cache, "models--org--tiny", "refs", "main")));
        var offline = new ModelStore(localRoot: Path.Combine(root, "none"), huggingFaceCache: Cache).Resolve("org/tiny", "model.bin");
        Assert.Equal(ModelSource.HuggingFaceCache, offline.Source);
    }

    [Fact]
    public async Task A_cut_connection_is_resumed_with_a_range_request()
    {
        using var hub = new FakeHub { CutFirstTransfersAfter = 70_000 };
        using var client = new HubClient(hub.Endpoint, token: "", maxAttempts: 3);
        var path = await client.DownloadToCacheAsync(Cache, "org/tiny", "model.bin");
        Assert.Equal(hub.Content, File.ReadAllBytes(path));
        Assert.True(hub.Gets >= 2);
        Assert.Null(hub.RangeHeaders[0]);
        Assert.Matches(@"^bytes=\d+-$", hub.RangeHeaders[^1]);
        Assert.NotEqual("bytes=0-", hub.RangeHeaders[^1]);
    }

    [Fact]
    public async Task A_hash_mismatch_is_rejected_and_leaves_no_file_at_the_target()
    {
        using var hub = new FakeHub { AdvertisedSha256 = new string('0', 64) };
        using var client = new HubClient(hub.Endpoint, token: "");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => client.DownloadToCacheAsync(Cache, "org/tiny", "model.bin"));
        Assert.Contains("sha256", e.Message);
        var repo = Path.Combine(Cache, "models--org--tiny");
        Assert.False(File.Exists(Path.Combine(repo, "snapshots", hub.Commit, "model.bin")));
        Assert.Empty(Directory.GetFiles(Path.Combine(repo, "blobs")));
        var store = new ModelStore(localRoot: Path.Combine(root, "none"), huggingFaceCache: Cache, hub: client);
        var lookup = await store.ResolveOrDownloadAsync("org/tiny", "model.bin");
        Assert.False(lookup.Found);
        Assert.Contains("sha256", lookup.Error);
    }

    [Fact]
    public async Task Offline_with_nothing_cached_says_where_it_looked()
    {
        var store = new ModelStore(localRoot: Path.Combine(root, "models"), huggingFaceCache: Cache);
        Directory.CreateDirectory(store.LocalRoot!);
        var lookup = await store.ResolveOrDownloadAsync("Qwen/Qwen2.5-0.5B", "model.safetensors");
        Assert.False(lookup.Found);
        Assert.Null(lookup.Source);
        Assert.Contains(Path.Combine(root, "models", "Qwen", "Qwen2.5-0.5B", "model.safetensors"), lookup.Searched);
        Assert.Contains(lookup.Searched, s => s.Contains("models--Qwen--Qwen2.5-0.5B"));
        Assert.Contains("not available offline", lookup.Message);
        Assert.Throws<FileNotFoundException>(() => lookup.RequirePath());
    }

    [SharedModelFact(SharedModels.Stories)]
    public void Local_models_folder_resolves_stories260K_by_id()
    {
        var lookup = new ModelStore(huggingFaceCache: Cache).Resolve("stories260K", "stories260K.gguf");
        Assert.Equal(ModelSource.LocalFolder, lookup.Source);
        Assert.Equal(SharedModels.Path(SharedModels.Stories), lookup.Path);
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_fast_with_a_typed_result()
    {
        using var client = new HubClient("http://127.0.0.1:9", token: "", connectTimeout: TimeSpan.FromSeconds(2), maxAttempts: 1);
        var store = new ModelStore(localRoot: Path.Combine(root, "none"), huggingFaceCache: Cache, hub: client);
        var lookup = await store.ResolveOrDownloadAsync("org/tiny", "model.bin");
        Assert.False(lookup.Found);
        Assert.NotNull(lookup.Error);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_naming_the_url()
    {
        using var hub = new FakeHub { NeverAnswer = true };
        using var client = new HubClient(hub.Endpoint, token: "", readTimeout: TimeSpan.FromSeconds(1), maxAttempts: 1);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => client.GetMetadataAsync("org/tiny", "model.bin"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Contains($"{hub.Endpoint}/org/tiny/resolve/main/model.bin", e.Message);
        Assert.Contains("did not answer within 1 s", e.Message);
    }

    [Fact]
    public async Task A_download_that_stalls_mid_body_is_resumed_from_where_it_stopped()
    {
        using var hub = new FakeHub { StallFirstTransferAfter = 50_000 };
        using var client = new HubClient(hub.Endpoint, token: "", readTimeout: TimeSpan.FromSeconds(1), maxAttempts: 2);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var path = await client.DownloadToCacheAsync(Cache, "org/tiny", "model.bin");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Equal(hub.Content, await File.ReadAllBytesAsync(path));
        Assert.Equal([null, "bytes=50000-"], hub.RangeHeaders);
    }
}
