package eventbus_test

const childEnv = "EVENTBUS_TEST_CHILD"

func childMain() int { return 0 }
