using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>How an image is cut for streaming: strips of <see cref="StripRows"/> rows in a ring of <see cref="Slots"/>.</summary>
/// <param name="RingGeometry">The ring buffer: the image's width and channels, <see cref="Slots"/> x <see cref="StripRows"/> rows.</param>
/// <param name="StripRows">Rows decoded, processed and encoded as one unit.</param>
/// <param name="Slots">Strips in flight at once (decoded, in the kernel, being encoded).</param>
/// <param name="TileRows">Rows per tile inside a strip.</param>
internal sealed record StripPlan(ImageGeometry RingGeometry, int StripRows, int Slots, int TileRows)
{
    /// <summary>Target bytes per strip: small enough that the ring stays a few MB, large enough that a strip's tiles keep every worker busy.</summary>
    public const int TargetStripBytes = 4 << 20;

    /// <summary>The default ring: decode, kernel and encode each hold one strip, plus one so the decoder can run ahead.</summary>
    public const int DefaultSlots = 4;

    /// <summary>
    /// Plans strips for <paramref name="image"/> in <paramref name="engine"/>. <paramref name="stripRows"/> and
    /// <paramref name="tileRows"/> override the defaults: strips of about <see cref="TargetStripBytes"/> in whole
    /// 16-row JPEG MCU rows, cut into one tile per thread (threads) or two per worker (one running, one queued).
    /// </summary>
    public static StripPlan For(ImageGeometry image, IExecutionEngine engine, int? stripRows = null, int? tileRows = null, int slots = DefaultSlots)
    {
        int rows = stripRows ?? Math.Max(16, TargetStripBytes / image.RowBytes / 16 * 16);
        rows = Math.Min(rows, image.Height);
        int tilesPerStrip = engine.Mode switch
        {
            ExecutionMode.Serial => 1,
            ExecutionMode.Threads => engine.Workers,
            _ => engine.Workers * 2,
        };
        int tiles = Math.Min(tileRows ?? Math.Max(1, (rows + tilesPerStrip - 1) / tilesPerStrip), rows);
        int ringSlots = Math.Min(slots, (image.Height + rows - 1) / rows);
        return new StripPlan(image.WithHeight(rows * ringSlots), rows, ringSlots, tiles);
    }
}
