namespace ProcessFarm.Benchmarks;

/// <summary>
/// BenchmarkDotNet runs each benchmark from a generated project whose output holds a copy of the worker that is
/// not runnable, so worker-mode benchmarks use the one `dotnet build -c Release` puts in artifacts/bin/worker.
/// </summary>
internal static class BenchmarkPaths
{
    public static string Worker
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                string candidate = Path.Combine(directory.FullName, "artifacts", "bin", "worker", "release", "processfarm-worker");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException("build the worker first: dotnet build -c Release");
        }
    }
}
