namespace ProcessFarm.Shared.Imaging;

/// <summary>An output path whose extension names no format this program writes.</summary>
public sealed class OutputFormatException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public OutputFormatException(string path)
        : base($"cannot tell the output format from '{System.IO.Path.GetFileName(path)}': use {string.Join(", ", ImageFormats.Extensions)}")
    {
        OutputPath = path;
    }

    /// <summary>The path as given.</summary>
    public string OutputPath { get; }
}
