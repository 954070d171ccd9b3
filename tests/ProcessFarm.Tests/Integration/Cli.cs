using System.Diagnostics;

namespace ProcessFarm.Tests.Integration;

/// <summary>Runs the real <c>processfarm</c> executable built beside the tests.</summary>
internal static class Cli
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "processfarm");

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    public static Task<Result> RunAsync(string workingDirectory, params string[] args) => RunAsync(StartInfo(workingDirectory, args));

    /// <summary>Runs any program to its end (bounded by the test timeout), with <paramref name="stdin"/> as its input.</summary>
    public static Task<Result> RunAsync(ProcessStartInfo info, string? stdin = null) => RunAsync(info, stdin, TestHelpers.Timeout);

    /// <summary>
    /// Runs any program to its end or until <paramref name="deadline"/> passes; then it is killed (with its children)
    /// and the result says so in <see cref="Result.TimedOut"/>: for tests whose failure mode is a hang.
    /// </summary>
    public static async Task<Result> RunAsync(ProcessStartInfo info, string? stdin, TimeSpan deadline)
    {
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool timedOut = false;
        try
        {
            using var deadlineToken = new CancellationTokenSource(Debugger.IsAttached ? Timeout.InfiniteTimeSpan : deadline);
            await process.WaitForExitAsync(deadlineToken.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        return new Result(process.ExitCode, await stdout, await stderr) { TimedOut = timedOut };
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>The program was still running at its deadline and was killed.</summary>
        public bool TimedOut { get; init; }

        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
