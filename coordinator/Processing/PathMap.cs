namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// How cluster nodes see this machine's files (<c>--path-map LOCAL=REMOTE</c>, shared storage): a path under LOCAL
/// is sent as the same path under REMOTE. Empty: the nodes share nothing, and a batch sends the files' bytes.
/// </summary>
internal sealed class PathMap
{
    private readonly (string Local, string Remote)[] _prefixes;

    private PathMap((string Local, string Remote)[] prefixes) => _prefixes = prefixes;

    /// <summary>No shared storage.</summary>
    public static PathMap None { get; } = new([]);

    /// <summary>Whether any directory is shared.</summary>
    public bool IsEmpty => _prefixes.Length == 0;

    /// <summary>
    /// Parses LOCAL=REMOTE pairs (LOCAL made absolute from the working directory, REMOTE absolute); false and the
    /// pair that is not one otherwise.
    /// </summary>
    public static bool TryParse(IEnumerable<string> pairs, out PathMap map, out string? wrong)
    {
        var prefixes = new List<(string, string)>();
        map = None;
        wrong = null;
        foreach (string pair in pairs)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1 || !Path.IsPathRooted(pair[(equals + 1)..]))
            {
                wrong = pair;
                return false;
            }
            prefixes.Add((Directory(Path.GetFullPath(pair[..equals])), Directory(pair[(equals + 1)..])));
        }
        // The longest LOCAL first, so a nested share wins over the one that contains it.
        map = new([.. prefixes.OrderByDescending(p => p.Item1.Length)]);
        return true;
    }

    /// <summary>The path a node sees for <paramref name="localPath"/>, or null when it is under no shared directory.</summary>
    public string? Map(string localPath)
    {
        string full = Path.GetFullPath(localPath);
        foreach (var (local, remote) in _prefixes)
        {
            if (full.StartsWith(local, StringComparison.Ordinal))
            {
                return remote + full[local.Length..];
            }
        }
        return null;
    }

    /// <summary><paramref name="path"/> ending in exactly one separator ("/" stays "/": the root trims to itself).</summary>
    private static string Directory(string path)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(path);
        return Path.EndsInDirectorySeparator(trimmed) ? trimmed : trimmed + Path.DirectorySeparatorChar;
    }
}
