using System.Diagnostics;

namespace ProcessFarm.Tests;

/// <summary>Timeouts that keep a hung test from hanging CI, and scratch directories.</summary>
internal static class TestHelpers
{
    /// <summary>Generous: a hung pipe or process is the failure these guard against, not slowness.</summary>
    public static TimeSpan Timeout => Debugger.IsAttached ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(60);

    public static CancellationToken TimeoutToken() => new CancellationTokenSource(Timeout).Token;

    public static Task DefaultTimeout(this Task task) => task.WaitAsync(Timeout);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static string CreateTempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "pf-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static string TestDataPath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
}
