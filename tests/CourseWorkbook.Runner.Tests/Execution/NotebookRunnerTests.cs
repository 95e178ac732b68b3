using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Execution;

public class NotebookRunnerTests
{
    private static CellRecord CodeCell() => new(1, new DibCell("csharp", "x", 1));

    [Fact]
    public void Consecutive_writes_to_one_stream_merge_and_a_switch_starts_a_new_output()
    {
        var cell = CodeCell();

        NotebookRunner.AppendStream(cell, "stdout", "a");
        NotebookRunner.AppendStream(cell, "stdout", "b");
        NotebookRunner.AppendStream(cell, "stderr", "c");
        NotebookRunner.AppendStream(cell, "stdout", "d");

        Assert.Equal(["stdout:ab", "stderr:c", "stdout:d"], cell.Outputs.OfType<StreamOutput>().Select(s => $"{s.Name}:{s.Text}"));
    }

    [Fact]
    public void Huge_console_output_is_cut_with_a_note()
    {
        var cell = CodeCell();

        for (var i = 0; i < 30; i++) NotebookRunner.AppendStream(cell, "stdout", new string('x', 50_000));

        var text = Assert.Single(cell.Outputs.OfType<StreamOutput>()).Text.ToString();
        Assert.StartsWith(new string('x', NotebookRunner.MaxStreamCharsPerCell), text);
        Assert.EndsWith("characters]\n", text);
        Assert.True(text.Length < NotebookRunner.MaxStreamCharsPerCell + 100);
    }
}

public class KernelMessagesTests
{
    [Fact]
    public void Values_over_the_cap_are_replaced_by_a_note_and_the_rest_kept()
    {
        var big = new string('x', NotebookRunner.MaxDataChars + 1);
        var data = new Dictionary<string, string> { ["text/html"] = big, ["text/plain"] = "short", ["image/svg+xml"] = "<svg/>" };

        var capped = NotebookRunner.Capped(data);

        Assert.Equal(["image/svg+xml", "text/plain"], capped.Keys.Order());
        Assert.StartsWith("short\n[output cut:", capped["text/plain"]);
        Assert.Contains($"text/html: {big.Length:N0} characters", capped["text/plain"]);
        var small = data.Where(p => p.Key != "text/html").ToDictionary();
        Assert.Same(small, NotebookRunner.Capped(small));
    }

    private static CellRecord CodeCell() => new(1, new DibCell("csharp", "x", 1));

    [Fact]
    public void An_exception_becomes_its_type_message_and_full_traceback()
    {
        var cell = CodeCell();

        NotebookRunner.Fail(cell, "System.InvalidOperationException: boom\n   at Submission#1.<<Initialize>>d__0.MoveNext()");

        var error = Assert.IsType<ErrorOutput>(Assert.Single(cell.Outputs));
        Assert.Equal("System.InvalidOperationException", error.Name);
        Assert.Equal("boom", error.Value);
        Assert.Equal(2, error.Traceback.Count);
        Assert.Equal("System.InvalidOperationException: boom", cell.Error);
        Assert.Null(cell.ErrorLine);
    }

    [Fact]
    public void A_compiler_error_names_its_code_and_the_line_in_the_cell()
    {
        var cell = CodeCell();

        NotebookRunner.Fail(cell, "(2,6): error CS0103: The name 'undefinedName' does not exist in the current context");

        Assert.Equal("CS0103: The name 'undefinedName' does not exist in the current context", cell.Error);
        Assert.Equal(2, cell.ErrorLine);
    }

    [Fact]
    public void Other_messages_are_kept_whole()
    {
        var cell = CodeCell();

        NotebookRunner.Fail(cell, "Command cancelled.");

        Assert.Equal("Error: Command cancelled.", cell.Error);
    }

    [Fact]
    public void Published_results_and_declared_parameters_are_read_from_their_mime_payloads()
    {
        var notebook = Output.NotebookRecords.Sample();

        NotebookRunner.ReadResults(notebook, """{"results":[{"name":"loss","value":0.25,"unit":"nats"},{"name":"n","value":3},{"name":"path","value":"offline"}]}""");
        NotebookRunner.ReadParameters(notebook, """{"parameters":{"epochs":"3"}}""");
        NotebookRunner.ReadResults(notebook, "{not json");

        Assert.Equal(0.25, notebook.Results["loss"]);
        Assert.Equal(3L, notebook.Results["n"]);
        Assert.Equal("offline", notebook.Results["path"]);
        Assert.Equal("3", notebook.DeclaredParameters["EPOCHS"]);
        Assert.Contains(notebook.Warnings, w => w.Contains("published-results display could not be read"));
    }
}

public class KernelEventTests
{
    [Fact]
    public void An_envelope_gives_its_type_token_and_fields()
    {
        var e = Kernel.KernelEvent.Parse(
            """{"event":{"formattedValues":[{"mimeType":"text/plain","value":"hi"}],"valueId":"v1"},"eventType":"DisplayedValueProduced","command":{"token":"cell3.1","commandType":"SubmitCode"}}""",
            out var noise);

        Assert.NotNull(e);
        Assert.Null(noise);
        Assert.Equal("DisplayedValueProduced", e.EventType);
        Assert.True(e.Answers("cell3"));
        Assert.False(e.Answers("cell31"));
        Assert.Equal("hi", e.FormattedValues()["text/plain"]);
        Assert.Equal("v1", e.Text("valueId"));
    }

    [Fact]
    public void Text_glued_in_front_of_an_envelope_is_split_off_and_the_envelope_kept()
    {
        var e = Kernel.KernelEvent.Parse("""native says hi{"event":{},"eventType":"CommandSucceeded","command":{"token":"cell2"}}""", out var noise);

        Assert.Equal("native says hi", noise);
        Assert.Equal("CommandSucceeded", e!.EventType);
        Assert.Equal("cell2", e.Token);
    }

    [Theory]
    [InlineData("plain text")]
    [InlineData("{\"t\":\"done\"}")]
    [InlineData("{\"event\": broken")]
    public void Lines_that_are_not_envelopes_are_noise(string line)
    {
        Assert.Null(Kernel.KernelEvent.Parse(line, out var noise));
        Assert.Equal(line, noise);
    }
}
