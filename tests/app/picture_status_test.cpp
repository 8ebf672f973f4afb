#include "app/picture_status.h"

#include <gtest/gtest.h>

namespace palette::app {
namespace {

TEST(PictureStatus, OnlyASettledPictureOfTheNewestEditIsUnmarked) {
  PictureState s;
  EXPECT_EQ(picture_status(s), "");  // no model: nothing to say about a picture
  s.loading = true;
  EXPECT_EQ(picture_status(s), "loading the model...");
  s.loading = false;
  s.streaming = true;
  s.document_version = 4;
  EXPECT_EQ(picture_status(s), "making the first picture...");
  s.has_frame = true;
  s.frame_version = 4;
  EXPECT_EQ(picture_status(s), "updating...") << "the edit shows, but older slots are still in it";
  s.frame_settled = true;
  EXPECT_EQ(picture_status(s), "");
  s.document_version = 5;  // a new stroke
  EXPECT_EQ(picture_status(s), "updating...") << "a settled frame of an older version is out of date";
  s.paused = true;
  EXPECT_EQ(picture_status(s), "paused: out of date");
  s.frame_version = 5;
  EXPECT_EQ(picture_status(s), "");
}

TEST(PictureStatus, TheMarkCountsTheNewestEditsSteps) {
  PictureState s;
  s.streaming = s.has_frame = true;
  s.frame_steps_total = 3;
  s.document_version = s.frame_version = 7;
  s.frame_steps_done = 2;
  EXPECT_EQ(picture_status(s), "updating... step 2 of 3");
  s.document_version = 8;  // a stroke the shown frame has not seen: none of its steps have run
  EXPECT_EQ(picture_status(s), "updating... step 0 of 3");
  s.frame_version = 8;
  s.frame_steps_done = 3;
  s.frame_settled = true;
  EXPECT_EQ(picture_status(s), "");
}

}  // namespace
}  // namespace palette::app
