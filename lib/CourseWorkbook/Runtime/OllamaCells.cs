namespace CourseWorkbook.Runtime;

/// <summary>
/// The guard of every notebook cell that needs Ollama, written once: run the cell when the chat model is there,
/// otherwise return the sentence that says why it was skipped; a call that fails midway (Ollama stopped, a model
/// without tool support, a timeout) ends the cell with a sentence too, never with an error.
/// </summary>
public static class OllamaCells
{
    /// <summary>"Skipped {what}: ..." — Ollama absent, or the chat model not pulled (with the command that pulls
    /// it).</summary>
    public static string SkipReason(this OllamaStatus status, string what) => status.Reachable
        ? $"Skipped {what}: {status.ChatModel} is not pulled in this Ollama (run: ollama pull {status.ChatModel})."
        : $"Skipped {what}: Ollama is absent. (Probe: {status.Message})";

    /// <summary>Runs <paramref name="cell"/> when <see cref="OllamaStatus.CanChat"/>, else returns
    /// <see cref="SkipReason"/>; a failure of Ollama during the cell becomes a sentence naming it, with
    /// <paramref name="hint"/> when given.</summary>
    public static async Task<object> IfChatAsync(this OllamaStatus status, string what, Func<Task<object>> cell,
        string? hint = null)
    {
        if (!status.CanChat) return status.SkipReason(what);
        try
        {
            return await cell().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OllamaUnavailableException or HttpRequestException or IOException
                                      or OperationCanceledException or TimeoutException)
        {
            var because = hint is null ? "" : $" ({hint})";
            return $"{status.ChatModel} could not finish {what}{because}: {Ollama.Describe(e)}";
        }
    }

    /// <summary>The synchronous form of <see cref="IfChatAsync"/>.</summary>
    public static object IfChat(this OllamaStatus status, string what, Func<object> cell, string? hint = null) =>
        status.IfChatAsync(what, () => Task.FromResult(cell()), hint).GetAwaiter().GetResult();
}
