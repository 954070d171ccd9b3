namespace ProcessFarm.Shared.Native;

/// <summary>
/// An input path names a directory, FIFO, socket or device rather than a regular file. It is refused without being
/// read (a FIFO would block its reader forever). The message is meant for the user as it is.
/// </summary>
public sealed class NotRegularFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="problem">What is wrong, as a predicate: "is not a regular file (...)".</param>
    public NotRegularFileException(string path, string problem)
        : base($"'{path}' {problem}")
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The path as the user gave it.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the path, for reports that name the file elsewhere.</summary>
    public string Problem { get; }
}
