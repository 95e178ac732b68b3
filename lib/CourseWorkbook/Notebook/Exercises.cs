using System.Globalization;

namespace CourseWorkbook.Notebook;

/// <summary>
/// A student's exercise answer, used by the cells after it. When the answer is not written yet (the student
/// edition's stub throws <see cref="NotImplementedException"/>) or fails, the notebook goes on with the library's
/// reference and says so, so that one exercise left undone never stops the lesson.
/// </summary>
public static class Exercise
{
    /// <summary>The student's answer when it runs, else the library's <paramref name="reference"/>, with a line saying
    /// which was used and why.</summary>
    public static T OrReference<T>(string exerciseId, Func<T> answer, Func<T> reference)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(reference);
        try
        {
            return answer();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"Exercise {exerciseId} {Why(e)}: the cells below use the library's reference instead.");
            return reference();
        }
    }

    /// <summary><see cref="OrReference{T}"/> for an asynchronous answer (an <c>async</c> method's stub throws when
    /// awaited, not when called).</summary>
    public static async Task<T> OrReferenceAsync<T>(string exerciseId, Func<Task<T>> answer, Func<Task<T>> reference)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(reference);
        try
        {
            return await answer().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.WriteLine($"Exercise {exerciseId} {Why(e)}: the cells below use the library's reference instead.");
            return await reference().ConfigureAwait(false);
        }
    }

    /// <summary>Whether the student's answer runs (without showing anything): for a cell that shows the answer's
    /// result only when there is one.</summary>
    public static bool IsDone(Action answer)
    {
        try { answer(); return true; }
        catch (Exception e) when (e is not OutOfMemoryException) { return false; }
    }

    static string Why(Exception e) => e is NotImplementedException
        ? "is not done yet"
        : $"failed ({e.GetType().Name}: {FirstLine(e.Message)})";

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}

/// <summary>The error a failed check throws: its message is the feedback the student reads.</summary>
public sealed class CheckFailedException(string message) : Exception(message);

/// <summary>
/// Checks for exercises, by behaviour: a value near a known one, in a range, a shape. Each failure throws a
/// <see cref="CheckFailedException"/> whose message says what was checked, what was expected and what came, which
/// is the feedback the grader gives. A hidden test cell is a few of these; it earns its points when it runs through,
/// or a fraction of them through <see cref="Score"/>.
/// </summary>
public static class Check
{
    /// <summary>The prefix of the result a hidden test publishes to earn part of its points.</summary>
    public const string ScorePrefix = "grade.";

    /// <summary>Fails with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string message)
    {
        if (!condition) throw new CheckFailedException(message);
    }

    /// <summary>|actual − expected| ≤ tolerance.</summary>
    public static void Near(double actual, double expected, double tolerance, string what)
    {
        if (!(Math.Abs(actual - expected) <= tolerance))
            throw new CheckFailedException(
                $"{what}: expected {F(expected)} (± {F(tolerance)}), got {F(actual)}");
    }

    /// <summary>low ≤ actual ≤ high.</summary>
    public static void InRange(double actual, double low, double high, string what)
    {
        if (!(actual >= low && actual <= high))
            throw new CheckFailedException($"{what}: expected a value in [{F(low)}, {F(high)}], got {F(actual)}");
    }

    /// <summary>Equal values (by <see cref="EqualityComparer{T}.Default"/>).</summary>
    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new CheckFailedException($"{what}: expected {expected}, got {actual}");
    }

    /// <summary>Element-wise |actual − expected| ≤ tolerance, same lengths.</summary>
    public static void AllNear(IReadOnlyList<double> actual, IReadOnlyList<double> expected, double tolerance,
        string what)
    {
        if (actual.Count != expected.Count)
            throw new CheckFailedException($"{what}: expected {expected.Count} values, got {actual.Count}");
        for (int i = 0; i < actual.Count; i++)
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                throw new CheckFailedException(
                    $"{what}: at index {i} expected {F(expected[i])} (± {F(tolerance)}), got {F(actual[i])}");
    }

    /// <summary>A tensor's shape.</summary>
    public static void Shape(TorchSharp.torch.Tensor tensor, long[] expected, string what)
    {
        var shape = tensor.shape;
        if (!shape.SequenceEqual(expected))
            throw new CheckFailedException(
                $"{what}: expected shape [{string.Join(", ", expected)}], got [{string.Join(", ", shape)}]");
    }

    /// <summary>Earns <paramref name="fraction"/> (0..1) of the hidden test's points instead of all of them (a quiz
    /// scored question by question), with <paramref name="feedback"/> for the student.</summary>
    public static void Score(string exerciseId, double fraction, string feedback = "")
    {
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "a score is a fraction in [0, 1]");
        Results.Publish(ScorePrefix + exerciseId, fraction);
        if (feedback.Length > 0) Console.WriteLine(feedback);
    }

    static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}
