using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Cli;

/// <summary>Where <c>process</c> may write, checked before any work: never over its input, never into a mistake.</summary>
[Collection(Integration.WorkerCollection.Name)]
public sealed class OutputPathTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public OutputPathTests() => ImageFile.Save(Path.Combine(_directory, "a.png"), new byte[16 * 8 * 3], new ImageGeometry(16, 8, 3));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("a.png", "a.png")]
    [InlineData("a.png", "./a.png")]
    [InlineData("link.png", "a.png")] // the same file through a symbolic link
    public async Task Output_ThatIsTheInput_Exits2_AndLeavesTheInputAlone(string input, string output)
    {
        File.CreateSymbolicLink(Path.Combine(_directory, "link.png"), "a.png");
        byte[] before = File.ReadAllBytes(Path.Combine(_directory, "a.png"));

        var result = await Integration.Cli.RunAsync(_directory, "process", input, "-o", output, "-m", "serial");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is the input", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_directory, "a.png")));
    }

    [Theory]
    [InlineData("existing")]
    [InlineData("existing/")]
    public async Task Output_ThatIsADirectory_SaysSo(string output)
    {
        Directory.CreateDirectory(Path.Combine(_directory, "existing"));

        var result = await Integration.Cli.RunAsync(_directory, "process", "a.png", "-o", output, "-m", "serial");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"processfarm: --output: '{output}' is a directory; give a file name such as {Path.Combine(output, "out.jpg")}, or several inputs for a batch", Assert.Single(result.ErrorLines));
    }
}
