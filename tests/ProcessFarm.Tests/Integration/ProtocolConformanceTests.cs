using System.Buffers.Binary;
using System.Text.RegularExpressions;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;
using ProcessFarm.Tests.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Integration;

/// <summary>
/// docs/PROTOCOL.md, section 8, run against a real worker: every row's frame sent in order on one connection, and
/// the worker's reply compared with the row's. The table is read from the document itself, so the document and the
/// worker cannot disagree on any case it lists without this failing; the code names in the table are checked against
/// <see cref="ErrorCode"/> too.
/// </summary>
[AssertNoLeaks]
[Collection(WorkerCollection.Name)]
public partial class ProtocolConformanceTests : IDisposable
{
    private readonly string _directory = TestHelpers.CreateTempDirectory();

    public static string ProtocolDocument => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../docs/PROTOCOL.md"));

    [Fact]
    public void Table_CoversEveryErrorCodeAFrameCanCause()
    {
        var rows = ReadTable();
        Assert.True(rows.Count >= 80, $"only {rows.Count} rows were read from {ProtocolDocument}");
        var codes = rows.Select(r => r.Code).OfType<ErrorCode>().ToHashSet();
        ErrorCode[] reachable =
        [
            ErrorCode.Malformed, ErrorCode.UnknownKind, ErrorCode.InvalidArgument, ErrorCode.OutOfRange, ErrorCode.NotAttached,
            ErrorCode.RegionInvalid, ErrorCode.InvalidInput, ErrorCode.OutputFailed, ErrorCode.UnexpectedMessage,
        ];
        Assert.All(reachable, code => Assert.Contains(code, codes));
        Assert.Contains(rows, r => r.Reply == "none");
        Assert.Contains(rows, r => r.Type == MessageType.Result);
    }

    [Fact]
    public async Task EveryCase_GetsTheDocumentedReply_FromARealWorker()
    {
        var rows = ReadTable();
        using var region = SharedRegion.Create("/dev/shm", 4096);
        Assert.Equal(8192, region.TotalBytes);
        string zeros = Path.Combine(_directory, "zeros");
        File.WriteAllBytes(zeros, new byte[8192]);
        var geometry = new ImageGeometry(6, 4, 3);
        ImageFile.Save(Path.Combine(_directory, "in.png"), new byte[geometry.Width * geometry.Height * geometry.Channels], geometry);

        await using var worker = await RawWorker.StartAsync();
        foreach (var row in rows)
        {
            string body = row.Body.Replace("$REGION", region.AttachPath, StringComparison.Ordinal)
                .Replace("$SIZE", "8192", StringComparison.Ordinal)
                .Replace("$ZEROS", zeros, StringComparison.Ordinal)
                .Replace("$DIR", _directory, StringComparison.Ordinal);
            byte[] encoded = MessagePackNotation.Encode(body);
            byte[] frame = new byte[4 + encoded.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)encoded.Length);
            encoded.CopyTo(frame, 4);
            await worker.SendRawAsync(frame);
            if (row.Type is null)
            {
                continue; // no reply; the next row's reply would be out of step if one came
            }

            var reply = await worker.ReceiveAsync();
            string actual = reply.Error is { } error
                ? $"Error {(int)error.Code} ({error.Code}) id {(error.JobId is ulong id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : "nil")}: {error.Message}"
                : $"Result id {reply.Id}";
            Assert.True(actual.StartsWith(row.Reply, StringComparison.Ordinal) && (reply.Error is null || actual[row.Reply.Length] == ':'),
                $"{row.Case}: {row.Body}\n  documented: {row.Reply}\n  worker:     {actual}");
        }

        await worker.SendAsync(f => f.WriteShutdown());
        await worker.Process.Exited.DefaultTimeout();
        Assert.Equal(0, worker.Process.ExitCode);
    }

    internal static List<Row> ReadTable()
    {
        string text = File.ReadAllText(ProtocolDocument);
        int begin = text.IndexOf("<!-- conformance:begin -->", StringComparison.Ordinal);
        int end = text.IndexOf("<!-- conformance:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "PROTOCOL.md has no conformance table");
        var rows = new List<Row>();
        foreach (string line in text[begin..end].Split('\n').Skip(3).Where(l => l.StartsWith('|')))
        {
            string[] cells = line.Split('|');
            string body = cells[2].Trim().Trim('`');
            string reply = cells[3].Trim();
            rows.Add(Parse(cells[1].Trim(), body, reply));
        }
        return rows;
    }

    private static Row Parse(string name, string body, string reply)
    {
        if (reply == "none")
        {
            return new Row(name, body, reply, null, null);
        }
        var match = ReplyPattern().Match(reply);
        Assert.True(match.Success, $"'{reply}' is not a reply");
        if (match.Groups["code"].Success)
        {
            var code = (ErrorCode)int.Parse(match.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(code.ToString() == match.Groups["name"].Value, $"code {(int)code} is {code}, not {match.Groups["name"].Value}");
            return new Row(name, body, reply, MessageType.Error, code);
        }
        return new Row(name, body, reply, MessageType.Result, null);
    }

    [GeneratedRegex(@"^(Result|Error (?<code>\d+) \((?<name>\w+)\)) id (\d+|nil)$")]
    private static partial Regex ReplyPattern();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    internal sealed record Row(string Case, string Body, string Reply, MessageType? Type, ErrorCode? Code);
}
