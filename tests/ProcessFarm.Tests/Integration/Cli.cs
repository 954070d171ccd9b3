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
    public static async Task<Result> RunAsync(ProcessStartInfo info, string? stdin = null)
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
        try
        {
            await process.WaitForExitAsync(TestHelpers.TimeoutToken());
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
