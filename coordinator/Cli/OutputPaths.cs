using System.Globalization;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Checks on where a command will write, made before any work so that a mistake costs nothing: an output that is a
/// directory, has no format, lies in a missing or read-only directory, or is the input itself.
/// </summary>
internal static class OutputPaths
{
    /// <summary>Checks the output file of one image.</summary>
    /// <param name="path">The output as given.</param>
    /// <param name="input">The input file, or null for the built-in sample.</param>
    /// <exception cref="CommandLineException">The output cannot or must not be written.</exception>
    public static void CheckImageOutput(string path, string? input)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) || path.EndsWith(Path.DirectorySeparatorChar))
        {
            throw CommandLineException.Usage($"--output: '{path}' is a directory; give a file name such as {Path.Combine(path, "out.jpg")}, or several inputs for a batch");
        }
        try
        {
            ImageFile.RequireOutputFormat(path);
        }
        catch (OutputFormatException e)
        {
            throw CommandLineException.Usage($"--output: {e.Message}");
        }
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory))
        {
            throw CommandLineException.Usage($"--output: the directory '{directory}' does not exist");
        }
        if (input is not null && SameFile(full, Path.GetFullPath(input)))
        {
            throw CommandLineException.Usage($"--output: '{path}' is the input; the output would overwrite it (choose another name)");
        }
        CheckWritable(directory, "--output");
    }

    /// <summary>Fails fast when no file can be created in <paramref name="directory"/>.</summary>
    /// <param name="directory">Where the output will be written.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <exception cref="CommandLineException">The directory does not take new files.</exception>
    public static void CheckWritable(string directory, string option)
    {
        // A probe with a name of our own: creating it is the only reliable test (permissions, ACLs, read-only mounts).
        string probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".processfarm-probe-{Environment.ProcessId}-{Guid.NewGuid():N}"));
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CommandLineException.Usage($"{option}: cannot write in '{directory}': {Reason(e, probe)}");
        }
    }

    /// <summary>
    /// Whether two paths name one file: the same path once symbolic links are followed. (A hard link to the input
    /// is not caught; the output is written to a temporary and renamed, so the input's data survives anyway.)
    /// </summary>
    public static bool SameFile(string first, string second) =>
        string.Equals(Resolve(first), Resolve(second), StringComparison.Ordinal);

    private static string Resolve(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path; // a link loop or an unreadable link: compare the path as given
        }
    }

    /// <summary>Why the probe failed, without the probe's own name, which means nothing to the user.</summary>
    private static string Reason(Exception e, string probe) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ => e.Message.Replace($" : '{probe}'", string.Empty, StringComparison.Ordinal)
            .Replace($"'{probe}'", "the directory", StringComparison.Ordinal)
            .Replace(probe, "the directory", StringComparison.Ordinal)
            .TrimEnd('.'),
    };
}
