using CourseWorkbook.Runtime;

namespace CourseWorkbook.Tests.Runtime;

public class OllamaCellsTests
{
    static OllamaStatus Status(bool reachable, bool hasChatModel) =>
        new("http://localhost:11434", reachable, hasChatModel ? ["qwen2.5:latest"] : [], "minilm", "qwen2.5",
            false, hasChatModel, reachable ? "Ollama answered" : "Ollama is not reachable: connection refused");

    [Fact]
    public async Task A_cell_runs_only_when_the_chat_model_is_there_and_says_why_otherwise()
    {
        int runs = 0;
        Task<object> Cell() { runs++; return Task.FromResult<object>("ran"); }

        Assert.Equal("ran", await Status(true, true).IfChatAsync("streaming", Cell));
        var absent = await Status(false, false).IfChatAsync("streaming", Cell);
        var notPulled = await Status(true, false).IfChatAsync("streaming", Cell);

        Assert.Equal(1, runs);
        Assert.Equal("Skipped streaming: Ollama is absent. (Probe: Ollama is not reachable: connection refused)", absent);
        Assert.Equal("Skipped streaming: qwen2.5 is not pulled in this Ollama (run: ollama pull qwen2.5).", notPulled);
    }

    [Fact]
    public async Task A_failure_of_ollama_midway_ends_the_cell_with_a_sentence_and_other_bugs_still_throw()
    {
        var status = Status(true, true);
        var failed = await status.IfChatAsync("the tool call",
            () => throw new OllamaUnavailableException("Ollama answered HTTP 400: does not support tools"),
            hint: "not every model supports tools");
        Assert.Equal("qwen2.5 could not finish the tool call (not every model supports tools): "
            + "Ollama answered HTTP 400: does not support tools", failed);
        Assert.Equal("qwen2.5 could not finish listing: timed out",
            status.IfChat("listing", () => throw new TaskCanceledException()));
        await Assert.ThrowsAsync<NullReferenceException>(() =>
            status.IfChatAsync("a buggy cell", () => throw new NullReferenceException()));
    }
}
