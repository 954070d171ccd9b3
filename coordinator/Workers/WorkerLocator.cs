namespace ProcessFarm.Coordinator.Workers;

/// <summary>Finds the <c>processfarm-worker</c> executable without any environment variable.</summary>
internal static class WorkerLocator
{
    public const string ExecutableName = "processfarm-worker";

    /// <summary>
    /// The explicit path if given; else beside this program; else the artifacts layout sibling
    /// (<c>artifacts/bin/coordinator/release/</c> → <c>artifacts/bin/worker/release/</c>), which is where
    /// <c>dotnet build</c> puts it, for the coordinator and for test projects alike.
    /// </summary>
    /// <returns>The path, or null with the places searched.</returns>
    public static string? Find(string? explicitPath, out IReadOnlyList<string> searched)
    {
        var candidates = new List<string>();
        if (explicitPath is not null)
        {
            candidates.Add(Path.GetFullPath(explicitPath));
        }
        else
        {
            string baseDirectory = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
            candidates.Add(Path.Combine(baseDirectory, ExecutableName));
            string pivot = Path.GetFileName(baseDirectory); // "release", "debug"
            string? bin = Path.GetDirectoryName(Path.GetDirectoryName(baseDirectory));
            if (bin is not null)
            {
                candidates.Add(Path.Combine(bin, "worker", pivot, ExecutableName));
                candidates.Add(Path.Combine(bin, "worker", "release", ExecutableName));
                candidates.Add(Path.Combine(bin, "worker", "debug", ExecutableName));
            }
        }
        searched = candidates;
        return candidates.FirstOrDefault(File.Exists);
    }
}
