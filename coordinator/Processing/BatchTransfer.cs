using System.Globalization;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>
/// What travelled for a cluster batch's files: their paths (the node sees them through <c>--path-map</c>) or their
/// encoded bytes, in and out (docs/PROTOCOL.md, <c>file_bytes</c>). Bytes count every attempt that was sent.
/// </summary>
/// <param name="FilesByPath">Files sent as paths.</param>
/// <param name="FilesByBytes">Files sent as bytes.</param>
/// <param name="BytesIn">Encoded input bytes sent to workers.</param>
/// <param name="BytesOut">Encoded output bytes received from workers.</param>
internal sealed record BatchTransfer(int FilesByPath, int FilesByBytes, long BytesIn, long BytesOut)
{
    /// <summary>One line: "paths via --path-map", "file bytes: X MB in, Y MB out", both with their counts, or "no file sent".</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        string bytes = string.Create(c, $"file bytes: {BytesIn / 1e6:0.0} MB in, {BytesOut / 1e6:0.0} MB out");
        return (FilesByPath, FilesByBytes) switch
        {
            (0, 0) => "no file sent",
            (_, 0) => "paths via --path-map",
            (0, _) => bytes,
            _ => string.Create(c, $"paths via --path-map for {FilesByPath} files; {bytes} for {FilesByBytes} outside it"),
        };
    }
}
