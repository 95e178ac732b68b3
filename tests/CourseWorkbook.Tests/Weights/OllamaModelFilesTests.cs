using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests.Weights;

public sealed class OllamaModelFilesTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), "cw-ollama-" + Guid.NewGuid().ToString("N"));
    const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    static string Manifest(string modelDigest) => $$"""
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:{{new string('f', 64)}}","size":485},
         "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"{{modelDigest}}","size":397807936},
                   {"mediaType":"application/vnd.ollama.image.template","digest":"sha256:{{new string('e', 64)}}","size":1482}]}
        """;

    void Store(string registry, string ns, string name, string tag, string manifest, bool withBlob = true)
    {
        var dir = Path.Combine(root, "manifests", registry, ns, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, tag), manifest);
        Directory.CreateDirectory(Path.Combine(root, "blobs"));
        if (withBlob) File.WriteAllBytes(Path.Combine(root, "blobs", Digest.Replace(':', '-')), "GGUF"u8.ToArray());
    }

    [Theory]
    [InlineData("qwen2.5", "registry.ollama.ai", "library", "qwen2.5", "latest")]
    [InlineData("qwen2.5:0.5b", "registry.ollama.ai", "library", "qwen2.5", "0.5b")]
    [InlineData("nextfire/paraphrase-multilingual-minilm:latest", "registry.ollama.ai", "nextfire", "paraphrase-multilingual-minilm", "latest")]
    [InlineData("hf.co/org/model:Q4_K_M", "hf.co", "org", "model", "Q4_K_M")]
    public void Names_map_to_manifest_paths_as_ollama_stores_them(string model, string registry, string ns, string name, string tag) =>
        Assert.Equal((registry, ns, name, tag), OllamaModelFiles.ParseName(model));

    [Fact]
    public void The_weights_layer_of_the_manifest_points_to_the_gguf_blob()
    {
        Store("registry.ollama.ai", "library", "qwen2.5", "0.5b", Manifest(Digest));
        var lookup = OllamaModelFiles.Resolve("qwen2.5:0.5b", root);
        Assert.True(lookup.Found, lookup.Message);
        Assert.Equal(ModelSource.OllamaStore, lookup.Source);
        Assert.Equal(Path.Combine(root, "blobs", "sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), lookup.Path);
    }

    [Fact]
    public void A_missing_model_or_blob_is_reported_with_the_places_searched()
    {
        var absent = OllamaModelFiles.Resolve("llama3", root);
        Assert.False(absent.Found);
        Assert.Contains(Path.Combine(root, "manifests", "registry.ollama.ai", "library", "llama3", "latest"), absent.Searched);

        Store("registry.ollama.ai", "library", "phi3", "latest", Manifest(Digest), withBlob: false);
        var noBlob = OllamaModelFiles.Resolve("phi3", root);
        Assert.False(noBlob.Found);
        Assert.Contains(noBlob.Searched, s => s.EndsWith("sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public void A_manifest_without_a_valid_weights_digest_is_an_error_not_a_path()
    {
        Store("registry.ollama.ai", "library", "bad", "latest", Manifest("sha256:../../etc/passwd"));
        var lookup = OllamaModelFiles.Resolve("bad", root);
        Assert.False(lookup.Found);
        Assert.Contains("no application/vnd.ollama.image.model layer", lookup.Error);
        Assert.Throws<ArgumentException>(() => OllamaModelFiles.ParseName("../secrets"));
    }
}
