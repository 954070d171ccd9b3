using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// The temporary files <see cref="ImageFile.WriteAtomically(string, ReadOnlySpan{byte})"/> writes beside an output before renaming them over it,
/// named after the process that writes them, and the sweeping of those a killed process left behind.
/// </summary>
/// <remarks>
/// <para>
/// The temporary for <c>DIR/NAME</c> is <c>DIR/.NAME.pf-PID-RANDOM.tmp</c>: PID is the writing process's id (in this
/// pid namespace, decimal), RANDOM 16 lower-case hex digits. That process owns the file from its creation to the
/// rename or its own clean-up on failure; only a process killed in between (SIGKILL, a power cut) leaves one.
/// </para>
/// <para>
/// The methods here delete only regular files (not symbolic links, not directories) whose name matches that pattern
/// exactly, and only when their owner can no longer be writing them. Anything else, including temporaries of
/// earlier versions (<c>.NAME.GUID.tmp</c>) and files that merely look similar, is never deleted. An owner counts
/// as gone when no process has its id, or that process is a zombie. An id can be reused: a temporary whose id now
/// belongs to a running process that is not a processfarm process (by <c>/proc/PID/comm</c>: <c>processfarm</c>,
/// <c>processfarm-worker</c> truncated to <c>processfarm-wor</c>, or <c>dotnet</c> for a run through the SDK) is
/// stale once it is older than <see cref="ReusedIdAge"/>. With <c>/proc</c> mounted <c>hidepid</c>, other users'
/// processes look gone; their temporaries are protected only by the directory's permissions.
/// </para>
/// </remarks>
public static partial class OutputTemporaries
{
    /// <summary>How old a temporary must be before an owner id that now names another program marks it stale.</summary>
    public static readonly TimeSpan ReusedIdAge = TimeSpan.FromMinutes(10);

    private static readonly string[] s_ownerNames = ["processfarm", "processfarm-wor", "dotnet"];

    /// <summary>Deletes the stale temporaries in <paramref name="directory"/> (not in its subdirectories).</summary>
    /// <param name="directory">A directory outputs are written to.</param>
    /// <returns>The full paths of the files deleted; a file that could not be deleted is skipped.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be listed.</exception>
    public static IReadOnlyList<string> SweepStale(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var deleted = new List<string>();
        var now = DateTime.UtcNow;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles(".*.tmp"))
        {
            if (TryParse(file.Name, out _, out int processId) && IsRegularFile(file) &&
                IsStale(processId, now - file.LastWriteTimeUtc) && TryDelete(file.FullName))
            {
                deleted.Add(file.FullName);
            }
        }
        return deleted;
    }

    /// <summary>
    /// Deletes the temporaries process <paramref name="processId"/> left for <paramref name="outputPath"/>, once that
    /// process has exited (call it after waiting for the process, e.g. a worker killed while writing a file job's
    /// output). While a process with that id still runs and is a processfarm process, nothing is deleted.
    /// </summary>
    /// <param name="processId">The process that was writing the output.</param>
    /// <param name="outputPath">The output's final path.</param>
    /// <returns>The full paths of the files deleted (normally none or one).</returns>
    /// <exception cref="ArgumentException"><paramref name="processId"/> is this process's own: its temporaries are in use.</exception>
    public static IReadOnlyList<string> RemoveLeftBy(int processId, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(outputPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(processId);
        if (processId == Environment.ProcessId)
        {
            throw new ArgumentException("this process's own temporaries are in use", nameof(processId));
        }
        string full = Path.GetFullPath(outputPath);
        string name = Path.GetFileName(full);
        var directory = new DirectoryInfo(Path.GetDirectoryName(full) ?? ".");
        var deleted = new List<string>();
        if (!directory.Exists || IsRunningProcessFarm(processId))
        {
            return deleted;
        }
        string prefix = string.Create(CultureInfo.InvariantCulture, $".{name}.pf-{processId}-");
        foreach (var file in directory.EnumerateFiles(".*.tmp"))
        {
            if (file.Name.StartsWith(prefix, StringComparison.Ordinal) && TryParse(file.Name, out string owned, out int owner) &&
                owner == processId && owned == name && IsRegularFile(file) && TryDelete(file.FullName))
            {
                deleted.Add(file.FullName);
            }
        }
        return deleted;
    }

    /// <summary>Reads a temporary's name: the output's file name and the owner's process id.</summary>
    /// <returns>Whether <paramref name="fileName"/> matches <c>.NAME.pf-PID-RANDOM.tmp</c> exactly.</returns>
    public static bool TryParse(string fileName, out string outputName, out int processId)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var match = TemporaryName().Match(fileName);
        if (match.Success && int.TryParse(match.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out processId))
        {
            outputName = match.Groups["name"].Value;
            return true;
        }
        outputName = string.Empty;
        processId = 0;
        return false;
    }

    /// <summary>A new temporary's path for the output <paramref name="fullPath"/>, owned by this process.</summary>
    internal static string CreatePath(string fullPath)
    {
        string directory = Path.GetDirectoryName(fullPath) ?? ".";
        string random = RandomNumberGenerator.GetHexString(16, lowercase: true);
        return Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(fullPath)}.pf-{Environment.ProcessId}-{random}.tmp"));
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.pf-(?<pid>[1-9][0-9]{0,9})-[0-9a-f]{16}\.tmp$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex TemporaryName();

    private static bool IsStale(int processId, TimeSpan age)
    {
        if (processId == Environment.ProcessId)
        {
            return false;
        }
        var owner = ReadOwner(processId);
        return owner.Gone || (!owner.ProcessFarm && age >= ReusedIdAge);
    }

    private static bool IsRunningProcessFarm(int processId)
    {
        var owner = ReadOwner(processId);
        return !owner.Gone && owner.ProcessFarm;
    }

    /// <summary>Whether process <paramref name="processId"/> is gone (or a zombie, which writes nothing) and whether its name is one of ours.</summary>
    private static (bool Gone, bool ProcessFarm) ReadOwner(int processId)
    {
        try
        {
            // The state follows the last ')' of /proc/PID/stat (the name in parentheses may contain any character).
            string stat = File.ReadAllText($"/proc/{processId}/stat");
            int close = stat.LastIndexOf(')');
            char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
            if (state is 'Z' or 'X')
            {
                return (true, false);
            }
            string name = File.ReadAllText($"/proc/{processId}/comm").TrimEnd('\n');
            return (false, s_ownerNames.Contains(name, StringComparer.Ordinal));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (true, false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Exists but cannot be read (another user's, say): treat it as a live process of unknown kind.
            return (false, false);
        }
    }

    private static bool IsRegularFile(FileInfo file) => (file.Attributes & (FileAttributes.Directory | FileAttributes.ReparsePoint)) == 0;

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left where it is: another sweeper took it, or it is not ours to delete; the next sweep tries again.
            return false;
        }
    }
}
