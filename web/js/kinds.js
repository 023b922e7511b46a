// Which aggregate a command acts on, read from its type: for links in tables.

export const COMMAND_TYPES = [
  "CreateAlbum", "RenameAlbum", "DescribeAlbum", "ShareAlbum", "UnshareAlbum", "DeleteAlbum",
  "RegisterUpload", "AttachProcessing", "FailProcessing", "ReprocessPhoto", "RetitlePhoto",
  "CaptionPhoto", "TagPhoto", "UntagPhoto", "MovePhoto", "TrashPhoto", "RestorePhoto",
  "PurgePhoto", "BatchTagPhotos", "UndoCommand", "RedoCommand",
];

/** "#/albums/<id>" or "#/photos/<id>" for a command's target, or null when unknown. */
export function targetLink(record) {
  const id = record.aggregate_id;
  if (!id) return null;
  if (/Album$/.test(record.type)) return `#/albums/${id}`;
  if (/Photo|Upload|Processing/.test(record.type) && record.type !== "BatchTagPhotos") {
    return `#/photos/${id}`;
  }
  return null;
}
