using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>Turns a batch's INPUT arguments and output directory into (input, output) pairs.</summary>
internal static class BatchInputs
{
    /// <summary>
    /// Files are taken as given (a missing one fails on its own, later, like a corrupt one); a directory
    /// contributes its image files (ImageFormats.Extensions) (any case, not recursive), in name order. Each output is
    /// OUTDIR/NAME, the input's own file name. The output directory is created if missing.
    /// </summary>
    /// <exception cref="CommandLineException">Nothing to do, two inputs would write the same output, an output would
    /// overwrite its input, or the output directory cannot be used.</exception>
    public static IReadOnlyList<(string Input, string Output)> Expand(IEnumerable<string> inputs, string outputDirectory)
    {
        string outDir = Path.GetFullPath(outputDirectory);
        if (File.Exists(outDir))
        {
            throw CommandLineException.Usage($"--output: '{outputDirectory}' is a file; a batch writes into a directory");
        }
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                var images = Directory.EnumerateFiles(input)
                    .Where(f => ImageFile.FormatFromExtension(f) != FileFormat.Unknown)
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (images.Count == 0)
                {
                    throw CommandLineException.Input($"'{input}' is a directory with no image files in it ({string.Join(", ", ImageFormats.Extensions)})");
                }
                files.AddRange(images);
            }
            else
            {
                files.Add(input);
            }
        }

        var pairs = new List<(string Input, string Output)>(files.Count);
        var byOutput = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string input = Path.GetFullPath(file);
            string name = Path.GetFileName(input);
            if (ImageFile.FormatFromExtension(name) == FileFormat.Unknown)
            {
                name += ".png"; // the output format must come from somewhere: a lossless default
            }
            string output = Path.Combine(outDir, name);
            if (string.Equals(input, output, StringComparison.Ordinal))
            {
                throw CommandLineException.Usage($"--output: '{file}' would be overwritten by its own output; choose another output directory");
            }
            if (!byOutput.TryAdd(output, input))
            {
                if (string.Equals(byOutput[output], input, StringComparison.Ordinal))
                {
                    continue; // the same file named twice: processed once
                }
                throw CommandLineException.Usage($"--output: '{byOutput[output]}' and '{input}' would both be written to '{output}'");
            }
            pairs.Add((input, output));
        }

        try
        {
            Directory.CreateDirectory(outDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CommandLineException.Usage($"--output: cannot create the directory '{outputDirectory}': {e.Message}");
        }
        OutputPaths.CheckWritable(outDir, "--output");
        return pairs;
    }
}
