using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>
/// What travels for a cluster batch: without <c>--path-map</c> the encoded files go to the node and come back
/// (<c>file_bytes</c> jobs), with it only their paths (bytes still for a file outside every mapped directory);
/// either way the outputs are those of <c>threads</c>.
/// </summary>
public sealed partial class ClusterTests
{
    [Fact]
    public async Task BatchOfEveryFormat_FileBytesOrPaths_IsByteIdenticalToThreads_AndSaysWhatTravelled()
    {
        // Arrange: JPEG and PNG (libjpeg-turbo, libpng) and the formats ImageSharp reads and writes.
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        PhotoFolder.Write(photos);
        string elsewhere = Path.Combine(_directory, "elsewhere", "extra.png"); // under no --path-map below
        Directory.CreateDirectory(Path.GetDirectoryName(elsewhere)!);
        File.WriteAllBytes(elsewhere, PhotoFolder.Build("grey-alpha.png"));
        string expected = Path.Combine(_directory, "threads");
        var threads = await Integration.Cli.RunAsync(_directory, "process", photos, elsewhere, "-m", "threads", "-o", expected, "--ev", "0.4", "--gamma", "1.3");
        Assert.True(threads.ExitCode == 0, threads.Stderr);

        // Act: one coordinator sends the bytes, another (its nodes see the same disk) only the paths.
        string bytesOutput = Path.Combine(_directory, "bytes");
        string pathsOutput = Path.Combine(_directory, "paths");
        Integration.Cli.Result bytes, paths;
        using (var cluster = new ClusterProcesses())
        {
            cluster.StartNode(workers: 2);
            bytes = await RunAsync(cluster, "process", photos, elsewhere, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "-o", bytesOutput, "--ev", "0.4", "--gamma", "1.3");
        }
        using (var cluster = new ClusterProcesses())
        {
            cluster.StartNode(workers: 2);
            paths = await RunAsync(cluster, "process", photos, elsewhere, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "-o", pathsOutput, "--ev", "0.4", "--gamma", "1.3",
                "--path-map", $"{photos}={photos}", "--path-map", $"{pathsOutput}={pathsOutput}");
        }

        // Assert
        Assert.True(bytes.ExitCode == 0, bytes.Stderr);
        Assert.True(paths.ExitCode == 0, paths.Stderr);
        Assert.Matches(@"moved    file bytes: [0-9.]+ MB in, [0-9.]+ MB out", bytes.Stdout);
        Assert.Matches($@"moved    paths via --path-map for {PhotoFolder.Names.Count} files; file bytes: [0-9.]+ MB in, [0-9.]+ MB out for 1 outside it", paths.Stdout);
        string[] names = [.. PhotoFolder.Names, "extra.png"];
        AssertSameBytes(expected, bytesOutput, names);
        AssertSameBytes(expected, pathsOutput, names);
    }

    [Fact]
    public async Task BatchWithoutPathMap_CorruptBombFifoAndOversizeFiles_FailAlone_AndLeaveNoOutput()
    {
        // Arrange: one good photo; a JPEG cut in half; 68 bytes of PNG declaring 10^10 pixels; a FIFO; a (sparse)
        // file one byte over what may travel.
        string photos = Path.Combine(_directory, "photos");
        Directory.CreateDirectory(photos);
        File.WriteAllBytes(Path.Combine(photos, "good.png"), PhotoFolder.Build("rgba.png"));
        byte[] jpeg = PhotoFolder.Build("phone.jpg");
        File.WriteAllBytes(Path.Combine(photos, "cut.jpg"), jpeg[..(jpeg.Length / 2)]);
        File.WriteAllBytes(Path.Combine(photos, "bomb.png"), Convert.FromHexString(
            "89504e470d0a1a0a0000000d49484452000186a0000186a0080200000027309c9f0000000b4944415478da6360c00700001e000165599e710000000049454e44ae426082"));
        TestHelpers.MakeFifo(Path.Combine(photos, "fifo.jpg")); // read by the coordinator: refused, never blocking
        using (var big = new FileStream(Path.Combine(photos, "big.jpg"), FileMode.CreateNew))
        {
            big.SetLength(ProtocolLimits.MaxFileBytes + 1L);
        }
        string output = Path.Combine(_directory, "out");
        using var cluster = new ClusterProcesses();
        cluster.StartNode(workers: 2);

        // Act
        var result = await RunAsync(cluster, "process", photos, "-m", "cluster", "--listen", cluster.Listen, "--nodes", "1", "-o", output);

        // Assert: the good file written, each bad one failed with its reason, nothing else in the output folder.
        Assert.True(result.ExitCode == 3, $"exit {result.ExitCode}: {result.Stderr}");
        Assert.Contains("1 written, 4 failed", result.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"failed   .*fifo\.jpg: is not a regular file", result.Stdout);
        Assert.Matches(@"failed   .*big\.jpg: is 256\.0 MiB, over the 256 MiB .* --path-map", result.Stdout);
        Assert.Matches(@"failed   .*bomb\.png: .*pixels", result.Stdout);
        Assert.Matches(@"failed   .*cut\.jpg: ", result.Stdout);
        Assert.Equal("good.png", Path.GetFileName(Assert.Single(Directory.GetFiles(output, "*", SearchOption.AllDirectories))));
    }

    private static void AssertSameBytes(string expectedDirectory, string actualDirectory, IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedDirectory, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, name))), $"{name} differs");
        }
    }
}
