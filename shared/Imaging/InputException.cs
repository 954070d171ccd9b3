namespace ProcessFarm.Shared.Imaging;

/// <summary>
/// An input image cannot be used: it does not exist, cannot be read, is not a regular file, or is not a usable JPEG
/// or PNG (corrupt, truncated, unsupported, too large). The message names the file and is meant for the user as it
/// is; <see cref="Problem"/> says the same without the name, for reports that list files.
/// </summary>
public sealed class InputException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The sentence for the user, naming the file.</param>
    /// <param name="problem">What is wrong, as a predicate ("does not exist", "cannot read it: ...").</param>
    /// <param name="inner">What the codec or the file system said.</param>
    public InputException(string message, string problem, Exception? inner = null)
        : base(message, inner)
    {
        Problem = problem;
    }

    /// <summary>What is wrong, without the file's name.</summary>
    public string Problem { get; }
}
