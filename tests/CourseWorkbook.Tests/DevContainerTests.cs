using System.Text.Json;

namespace CourseWorkbook.Tests;

public class DevContainerTests
{
    static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return Path.Combine(dir.FullName, relative);
        throw new FileNotFoundException("repository root (CourseWorkbook.sln) not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void Devcontainer_is_valid_json_and_names_the_sdk_ollama_models_and_extensions()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoFile(".devcontainer/devcontainer.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = doc.RootElement;
        Assert.Contains("dotnet:10", root.GetProperty("image").GetString());
        var extensions = root.GetProperty("customizations").GetProperty("vscode").GetProperty("extensions")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("ms-dotnettools.csdevkit", extensions);
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
        Assert.Contains("ms-toolsai.jupyter", extensions);

        var models = root.GetProperty("containerEnv").GetProperty("COURSEWORKBOOK_OLLAMA_MODELS").GetString()!;
        Assert.Contains("nextfire/paraphrase-multilingual-minilm", models);
        Assert.Contains("qwen2.5", models);

        // Ollama is installed and models pulled at creation, and the server is started at every start.
        var postCreate = File.ReadAllText(RepoFile(root.GetProperty("postCreateCommand").GetString()!.Split(' ')[^1]));
        Assert.Contains("ollama.com/install.sh", postCreate);
        Assert.Contains("ollama pull", postCreate);
        var postStart = File.ReadAllText(RepoFile(root.GetProperty("postStartCommand").GetString()!.Split(' ')[^1]));
        Assert.Contains("ollama serve", postStart);
    }

    [Fact]
    public void Ci_script_calls_the_readme_test_command()
    {
        var readme = File.ReadAllText(RepoFile("README.md"));
        var ci = File.ReadAllText(RepoFile(".ci/run"));
        const string testCommand = "dotnet test CourseWorkbook.sln";
        Assert.Contains(testCommand, readme);
        Assert.Contains(testCommand, ci);
    }
}
